declare const __GANETI_OS_VERSION__: string | undefined;
/** Replaced at bundle time; 'dev' when running from source. */
export const VERSION: string = typeof __GANETI_OS_VERSION__ === 'string' ? __GANETI_OS_VERSION__ : 'dev';
