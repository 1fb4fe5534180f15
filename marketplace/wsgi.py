import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.utils.module_loading import import_string

from marketplace.handlers import SiteApplication

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
# Django's handler, with bearer calls to the inference routes on a shorter middleware chain
# (marketplace.handlers).
application = SiteApplication(get_wsgi_application())
# Import the URLconf, and with it every view, while the worker starts rather than in its
# first requests: it pulls in the drift detectors, RDF and Flower (2-3 s), and a cold worker
# given eight requests at once held all eight for 5-8 s (benchmarks/oip_gateway.py); then
# what the apps ask to have ready (settings.WARM_UP_ON_START).
import_module(settings.ROOT_URLCONF)
for path in settings.WARM_UP_ON_START:
    import_string(path)()
# What the worker has loaded lives as long as the worker: move it out of the garbage
# collector's view, so that a full collection (run whenever long-lived objects have grown by a
# quarter) walks only what was made since, instead of every module, URL pattern and model of
# the site (about half a second in a worker, in the middle of whichever request triggered it).
gc.collect()
gc.freeze()
