"""Staff users with their profile: the phone a test send goes to.

Django's own user admin, with the StaffProfile (care.models.staff) inline, so
whoever manages users sets a colleague's test phone here as `add_staff
--phone` does.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from care.models import StaffProfile


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    fields = ["phone"]


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
