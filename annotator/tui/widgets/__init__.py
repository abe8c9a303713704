"""The reader's widgets: article columns (line API), headers, legend, inspector, status line."""
