"""RFM reads every order by customer with its total from one covering index.

Replaces crm_order_customer_date_idx (same key columns) and drops the customer
foreign key's own index, which the new index's leading column serves. Building
the index reads crm_order once (about 10 s per 10 million orders here).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0002_customer_phone_unusable"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="order",
            name="crm_order_customer_date_idx",
        ),
        migrations.AlterField(
            model_name="order",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="orders",
                to="crm.customer",
                verbose_name="customer",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                fields=["customer", "placed_at"],
                include=("total",),
                name="crm_order_rfm_idx",
            ),
        ),
    ]
