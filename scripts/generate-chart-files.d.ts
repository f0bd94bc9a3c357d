/** Types for scripts/generate-chart-files.js. */
export declare const CHART_FILES: string;
export declare const SELECTOR_PLACEHOLDER: string;
export declare function chartRules(rulesYaml: string): string;
export declare function chartDashboard(dashboardJson: string): string;
export declare function chartFiles(): Record<string, string>;
