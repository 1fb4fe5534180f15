"""Services of the catalog: everything that writes or calls the outside world.

``harvest`` reads the catalogs upstream; ``publish`` is the one writer of a module's values.
"""
