import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
application = get_wsgi_application()
# Import every view while the worker boots rather than in the first requests it serves:
# the URLconf pulls in the drift detectors, RDF and Flower (about 2 s), and a cold worker
# given eight requests at once held all eight for 5–8 s (benchmarks/oip_gateway.py).
get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
