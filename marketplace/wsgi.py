import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
application = get_wsgi_application()
# Import the URLconf, and with it every view, while the worker starts rather than in its
# first request (about 3 s: a refresh or a read landing on a fresh worker would wait); then
# what the apps ask to have ready (settings.WARM_UP_ON_START).
import_module(settings.ROOT_URLCONF)
for path in settings.WARM_UP_ON_START:
    import_string(path)()
