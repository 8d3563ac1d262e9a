/** npm test: every suite; Stryker's sandbox copies and reports are not tests. */
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    exclude: [...configDefaults.exclude, '.stryker-tmp/**', 'reports/**'],
  },
});
