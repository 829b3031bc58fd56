"""The operator's console: verification queue, companies, and later payments and disputes."""
