import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# After setup (settings are read), before serving: `runserver` loads this
# module too, so both it and a WSGI server refuse a readable key.
from config.security import refuse_insecure_start  # noqa: E402

refuse_insecure_start()
