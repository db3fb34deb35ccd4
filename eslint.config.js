// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * Layering. The import graph reads top to bottom: src/bin -> providers -> src/sdk -> the rest of src
 * -> src/runtime. Each block below lists, for one folder, the import specifiers it must not use. A
 * specifier is matched as written, not resolved: `^(\.\./)+sdk/` also matches a `../../sdk/` that
 * would name a folder outside src/, and no such folder exists. In a flat config the last block that
 * sets a rule for a file wins, so every src/ block repeats the rule against providers/.
 */

/** @typedef {{ regex: string, message: string, allowTypeImports?: boolean }} Restriction */

/** @type {Restriction} */
const srcNotProviders = {
  regex: String.raw`^(\.\./)+providers(/|$)`,
  message:
    'src/ must not depend on providers/: providers are plugins built on the SDK (src/bin/ hands the built-in list from providers/index.ts to the dispatcher).',
};

/** src/ folders `names` seen from inside another src/ folder, at any depth. */
const srcFolders = (/** @type {string[]} */ names, /** @type {string} */ message) => ({
  regex: String.raw`^(\.\./)+(${names.join('|')})(/|$)`,
  message,
});

/** Leaving a folder from a file `depth` folders below it: `../` repeated depth + 1 times. */
const climbsOut = (/** @type {number} */ depth) => String.raw`^(\.\./){${depth + 1}}`;

/** The same, except into src/ (reported by its own message). */
const climbsOutNotToSrc = (/** @type {number} */ depth) =>
  String.raw`${climbsOut(depth)}(?!(\.\./)*src(/|$))`;

/** One block per depth 0..4 below `base` (a glob of folders), with the restrictions for that depth. */
const perDepth = (/** @type {string} */ base, /** @type {(depth: number) => Restriction[]} */ rules) =>
  [0, 1, 2, 3, 4].map((depth) => restrict([`${base}/${'*/'.repeat(depth)}*`], rules(depth)));

/**
 * A config block for `files` with the restrictions as `@typescript-eslint/no-restricted-imports`
 * patterns (import, export-from, import-equals), and the same regexes for dynamic `import()`, which
 * that rule does not see.
 */
function restrict(/** @type {string[]} */ files, /** @type {Restriction[]} */ restrictions) {
  return {
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: restrictions.map((r) => ({
            regex: r.regex,
            message: r.message,
            ...(r.allowTypeImports ? { allowTypeImports: true } : {}),
          })),
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...restrictions.map((r) => ({
          selector: `ImportExpression[source.value=/${r.regex.replaceAll('/', '\\/')}/]`,
          message: r.message,
        })),
      ],
    },
  };
}

const providerMessage =
  'a provider imports only ganeti-os/sdk (and ganeti-os/sdk/<subpath>), node builtins, npm packages and files of its own folder; export what it needs from src/sdk/ instead.';

/** @type {(depth: number) => Restriction[]} */
const providerRules = (depth) => [
  { regex: String.raw`(^|/)src(/|$)`, message: `src/ internals: ${providerMessage}` },
  { regex: climbsOutNotToSrc(depth), message: `outside its own folder: ${providerMessage}` },
  { regex: String.raw`^ganeti-os(?!/sdk(/|$)|/src(/|$))`, message: providerMessage },
  { regex: '^/', message: `an absolute path: ${providerMessage}` },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'eslint.config.js', 'hooks/**/*.sh'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^_', argsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
    },
  },

  restrict(['src/**'], [srcNotProviders]),
  // The entry points are the one place that knows the built-in list.
  restrict(
    ['src/bin/**'],
    [
      {
        regex: String.raw`^(\.\./)+providers/(?!index\.js$)`,
        message:
          'src/bin/ imports only providers/index.js, the built-in list, and hands it to the dispatcher.',
      },
    ],
  ),
  // The OS API contract sits below the SDK and the dispatcher that implement it.
  restrict(
    ['src/ganeti/**'],
    [
      srcNotProviders,
      srcFolders(
        ['sdk', 'dispatch', 'cli'],
        'src/ganeti/ is the OS API contract: it must not depend on the SDK, the dispatcher or the CLI built on it.',
      ),
    ],
  ),
  restrict(
    ['src/disk/**'],
    [
      srcNotProviders,
      srcFolders(
        ['guest', 'boot', 'linux', 'cli'],
        'src/disk/ prepares block devices and filesystems: it must not depend on guest, boot, linux or the CLI; take what it needs as arguments.',
      ),
    ],
  ),
  // src/runtime/ is loaded by the small CommonJS script entry: it stays at the bottom.
  ...perDepth('src/runtime', (depth) => [
    {
      regex: climbsOut(depth),
      message:
        'src/runtime/ is the bottom layer (errors, logger, cleanup, signals): it imports nothing else of src/.',
    },
  ]),
  // `import ... from 'ganeti-os/sdk'` must stay cheap to load (verify, variants): no execa.
  restrict(
    ['src/sdk/index.ts'],
    [
      srcNotProviders,
      {
        regex: String.raw`^(\.\./)+process/runner(\.js)?$`,
        message:
          'ganeti-os/sdk must not reach src/process/runner.ts (execa): its types are in src/process/types.ts.',
      },
    ],
  ),

  ...perDepth('providers/*', providerRules),
  restrict(
    ['providers/index.ts'],
    [
      ...providerRules(0),
      {
        regex: String.raw`^\./[^/]+/(?!index\.js$)`,
        message: "providers/index.ts lists the built-in providers: it imports only each provider's index.js.",
      },
    ],
  ),
);
