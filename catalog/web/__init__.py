"""The catalog's public pages: views, URLs, presenters, Markdown rendering, the anonymous
page cache, embedded JSON-LD and the module page's panel seam."""
