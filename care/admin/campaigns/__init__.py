"""The campaign studio in the admin: campaigns, their templates, offers.

`campaign` registers the campaign admin (fieldsets, actions, the studio's
JSON endpoints in `studio`), `forms` turns choices into the stored JSON,
`templates` refuses a template that cannot go out, `offers` the offers.
"""

from care.admin.campaigns import campaign, offers  # noqa: F401  (register on import)
