/** Types for scripts/chart-values-table.js. */
export declare const VALUES_FILE: string;
export declare const README: string;
export declare const START: string;
export declare const END: string;
export declare function valueRows(
  valuesYaml: string,
): { key: string; default: string; description: string }[];
export declare function valuesTable(valuesYaml: string): Promise<string>;
export declare function withTable(readme: string, table: string): string;
