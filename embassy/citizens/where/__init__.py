"""Where citizens are: the scoped reads (selectors), the CSV and XLSX exports (export) and the console's
pages (views)."""
