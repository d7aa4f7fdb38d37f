"""Planning set-wise: one INSERT ... SELECT for a campaign (or a chunk of dues).

Who is due arrives as a `Source` (care.outbox.source): a small table `d` made in Python (a
calendar of time zones and dates, or a chunk of a trigger's dues) that the
database joins to the campaign's audience `c`. The channel and the planning
skip reasons (no address, no consent, conflict) are computed in SQL, so a
whole audience is planned without a row passing through Python. The unique
keys (occasion, conflict) and ON CONFLICT DO NOTHING make a re-run, or two
sweeps at once, plan nothing twice.

`plan_select` is the SELECT without the INSERT: the forecast
(care.studio.forecast) and the dry run read it, so they and the plan cannot
disagree. The same SQL runs on PostgreSQL and SQLite (the `make run`
database); only the table `d` and the casts differ.

Conflicts (issue 10): a campaign with a conflict group stamps its planned row
with "<group>/<trigger>/<subject>/<occasion>" (`Message.conflict_key`,
unique). An occasion whose key is already held is written as skipped with
reason `conflict` and the holder's campaign name. The sweep plans a group's
campaigns by priority, so the higher one takes the key first; a row a lower
campaign planned in an earlier sweep is never taken back (it may be on its
way).
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from care.models import Campaign, Message, MessageStatus, Reason
from care.outbox.source import (
    ROW_COLUMNS,
    Source,
    cast,
    fence,
    json_value,
    postgres,
    source_table,
)
from crm.models import Customer
from crm.querysets import latest_consent, latest_consents

# The columns of a planned row that come from the SELECT; the others are the
# same for every row of a campaign (see `_constants`).
SELECTED = (
    "key",
    "occasion_key",
    "conflict_key",
    "customer_id",
    "channel",
    "occasion",
    "product_id",
    "asset_id",
    "ticket_id",
    "status",
    "reason",
    "reason_detail",
    "send_after",
    "expires_at",
)
# The planning statement's work memory (PostgreSQL): a hash join of a whole
# audience's consents takes about 60 MB (a hash may use twice this).
PLAN_WORK_MEM = "64MB"
CUSTOMER_FIELDS = (
    "id",
    "phone",
    "email",
    "phone_unusable_at",
    "time_zone",
    "birth_month",
    "birth_day",
)


@dataclass
class Planned:
    """What one planning statement did: rows inserted by (channel, status, reason)."""

    counts: Counter = field(default_factory=Counter)
    already: int = 0

    def count(self, status: str) -> int:
        return sum(n for (_, s, _), n in self.counts.items() if s == status)


def _customers(
    campaign: Campaign, source: Source, *, consents: bool = True
) -> tuple[str, list]:
    """The campaign's customers `c`, with their current consent per channel."""
    annotations = {
        f"consent_{channel}": latest_consent(channel, campaign.purpose)
        for channel in (campaign.channels if consents else ())
    }
    queryset = (
        Customer.objects.filter(source.customers)
        .order_by()
        .annotate(**annotations)
        .values(*CUSTOMER_FIELDS, *annotations)
    )
    sql, params = queryset.query.sql_with_params()
    return f"({sql}) AS c", list(params)


def _address(channel: str) -> str:
    if channel == "sms":
        # A number the SMS provider refused for good is no address (issue 5).
        return "(r.phone <> '' AND r.phone_unusable_at IS NULL)"
    return "(r.email <> '')"


def _channel_sql(channels: list[str]) -> tuple[str, str, list]:
    """SQL for the row's channel and skip reason (care.outbox.contacts.choose_channel)."""
    ready = [f"({_address(ch)} AND r.consent_{ch} = %s)" for ch in channels]
    reachable = [_address(ch) for ch in channels]
    whens = [f"WHEN {r} THEN '{ch}'" for r, ch in zip(ready, channels, strict=True)]
    whens += [
        f"WHEN {r} THEN '{ch}'" for r, ch in zip(reachable, channels, strict=True)
    ]
    channel = f"CASE {' '.join(whens)} ELSE '{channels[0]}' END"
    reason = (
        f"CASE WHEN {' OR '.join(ready)} THEN '' "
        f"WHEN {' OR '.join(reachable)} THEN '{Reason.NO_CONSENT}' "
        f"ELSE '{Reason.NO_ADDRESS}' END"
    )
    return channel, reason, [True] * len(channels)


def _row_expr(source: Source, name: str) -> tuple[str, list]:
    kind, default = ROW_COLUMNS[name]
    if name in source.fixed:
        return cast("%s", kind), [json_value(source.fixed[name])]
    if name in source.columns:
        return f"d.{name}", []
    return cast(default, kind), []


def _key(prefix: str, source: Source) -> tuple[str, list]:
    """SQL of "<prefix><subject>/<occasion>" (the occasion and conflict keys)."""
    occasion, params = _row_expr(source, "occasion")
    return f"(%s || {source.subject} || '/' || {occasion})", [prefix, *params]


def _candidates(campaign: Campaign, source: Source) -> tuple[str, list]:
    """Each due customer whose occasion is not in the outbox yet: `r`.

    The filter comes before the consents are read, so a re-run reads none;
    OFFSET 0 keeps this a subquery, so each consent is read once per row
    rather than once per mention in the CASEs above it. A wide source's
    consents are joined outside that fence, to the rows it lets through: in
    the same query level as the filter the planner was free to join them
    first, and a re-run of a slice read every consent of its customers.
    """
    table, table_params = source_table(source)
    customers, customer_params = _customers(campaign, source, consents=not source.wide)
    okey, okey_params = _key(f"{campaign.pk}/{campaign.trigger}/", source)
    ckey, ckey_params = "NULL", []
    if campaign.conflict_group:
        group = f"{campaign.conflict_group}/{campaign.trigger}/"
        ckey, ckey_params = _key(group, source)
    picks, pick_params = [], []
    for name in ROW_COLUMNS:
        sql, values = _row_expr(source, name)
        picks.append(f"{sql} AS {name}")
        pick_params += values
    channels = () if source.wide else campaign.channels
    consents = "".join(f", c.consent_{ch}" for ch in channels)
    outbox = connection.ops.quote_name(Message._meta.db_table)
    sql = (
        f"SELECT c.id AS customer_id, c.time_zone, c.phone, c.email, "
        f"c.phone_unusable_at{consents}, {', '.join(picks)}, "
        f"{okey} AS occasion_key, {ckey} AS ckey "
        f"FROM {table} JOIN {customers} ON {source.join} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {outbox} m "
        f"WHERE m.occasion_key = {okey}) {fence()}"
    )
    params = [
        *pick_params,
        *okey_params,
        *ckey_params,
        *table_params,
        *customer_params,
        *okey_params,
    ]
    if source.wide:
        joins, join_params = _consent_joins(campaign, source)
        columns = "".join(f", consent_{ch}.consent_{ch}" for ch in campaign.channels)
        sql = f"SELECT f.*{columns} FROM ({sql}) f{joins} {fence()}"
        params += join_params
    return sql, params


def _consent_joins(campaign: Campaign, source: Source) -> tuple[str, list]:
    """LEFT JOINs giving `f` the columns consent_<channel> (a wide source's way)."""
    sql, params = "", []
    for channel in campaign.channels:
        latest = latest_consents(channel, campaign.purpose)
        if source.ids:
            low, high = source.ids
            latest = latest.filter(customer_id__gte=low, customer_id__lt=high)
        inner, inner_params = latest.query.sql_with_params()
        alias = f"consent_{channel}"
        sql += (
            f" LEFT JOIN (SELECT customer_id, granted AS {alias} FROM ({inner}) x) "
            f"{alias} ON {alias}.customer_id = f.customer_id"
        )
        params += inner_params
    return sql, params


def _decided(campaign: Campaign, source: Source) -> tuple[str, list]:
    """`r` with its channel, planning skip reason and the conflict's holder: `t`."""
    inner, params = _candidates(campaign, source)
    channel, reason, channel_params = _channel_sql(campaign.channels)
    holder = "NULL"
    if campaign.conflict_group:
        outbox = connection.ops.quote_name(Message._meta.db_table)
        campaigns = connection.ops.quote_name(Campaign._meta.db_table)
        holder = (
            f"(SELECT g.name FROM {outbox} m JOIN {campaigns} g "
            f"ON g.id = m.campaign_id WHERE m.conflict_key = r.ckey)"
        )
    sql = (
        f"SELECT r.*, {channel} AS channel, {reason} AS reason, {holder} AS holder "
        f"FROM ({inner}) r {fence()}"
    )
    return sql, [*channel_params, *channel_params, *params]


def plan_select(campaign: Campaign, source: Source) -> tuple[str, list]:
    """The SELECT of the rows planning would write now (plus `time_zone`).

    Nothing is written; occasions the outbox has are left out.
    """
    decided, params = _decided(campaign, source)
    conflict = Reason.CONFLICT
    sql = (
        "SELECT t.occasion_key || '/' || t.channel AS key, t.occasion_key, "
        "CASE WHEN t.reason = '' AND t.holder IS NULL THEN t.ckey END AS conflict_key, "
        "t.customer_id, t.channel, t.data AS occasion, t.product_id, t.asset_id, "
        "t.ticket_id, "
        f"CASE WHEN t.reason <> '' OR t.holder IS NOT NULL "
        f"THEN '{MessageStatus.SKIPPED}' ELSE '{MessageStatus.PLANNED}' END AS status, "
        f"CASE WHEN t.reason <> '' THEN t.reason "
        f"WHEN t.holder IS NOT NULL THEN '{conflict}' ELSE '' END AS reason, "
        "CASE WHEN t.reason = '' AND t.holder IS NOT NULL THEN t.holder "
        "ELSE '' END AS reason_detail, "
        "t.send_after, t.expires_at, t.time_zone "
        f"FROM ({decided}) t"
    )
    return sql, params


def due_count(campaign: Campaign, source: Source) -> tuple[str, list]:
    """How many customers the source finds due, planned or not (no consent read)."""
    table, table_params = source_table(source)
    customers, customer_params = _customers(campaign, source, consents=False)
    sql = f"SELECT count(*) FROM {table} JOIN {customers} ON {source.join}"
    return sql, [*table_params, *customer_params]


def _constants(campaign: Campaign) -> tuple[list[str], list[str], list]:
    """Columns every row of the campaign shares: names, SQL, parameters."""
    now = timezone.now()
    values = {
        f.attname: f.get_default()
        for f in Message._meta.concrete_fields
        if not f.primary_key and f.attname not in SELECTED
    }
    values.update(
        campaign_id=campaign.pk,
        trigger=campaign.trigger,
        purpose=campaign.purpose,
        created_at=now,
        updated_at=now,
    )
    names, sql, params = [], [], []
    for f in Message._meta.concrete_fields:
        if f.attname in values:
            names.append(f.column)
            sql.append(cast("%s", f.db_type(connection)))
            params.append(f.get_db_prep_value(values[f.attname], connection))
    return names, sql, params


def _insert(campaign: Campaign, select: str) -> tuple[str, list]:
    """INSERT the rows of `select`; the parameters of the constants (theirs come first)."""
    quote = connection.ops.quote_name
    names, constants, params = _constants(campaign)
    columns = ", ".join(quote(c) for c in (*SELECTED, *names))
    picks = ", ".join((*(f"t.{c}" for c in SELECTED), *constants))
    # In no particular order: sweeps that could write the same keys take turns
    # (`planning_lock`), so none waits on another's unique key, and sorting a
    # whole audience by key cost a tenth of the statement. (WHERE true: SQLite
    # would read the ON of ON CONFLICT as a join's.)
    sql = (
        f"INSERT INTO {quote(Message._meta.db_table)} ({columns}) "
        f"SELECT {picks} FROM ({select}) t WHERE true "
        f"ON CONFLICT DO NOTHING RETURNING channel, status, reason"
    )
    return sql, params


def plan_insert(campaign: Campaign, source: Source, *, locked: bool = False) -> Planned:
    """Write the source's new rows; count them by (channel, status, reason).

    `locked`: the caller holds the campaign's planning lock on another
    connection (care.outbox.slices), so this one does not wait for it.
    """
    result = Planned()
    if not source.rows:
        return result
    select, params = plan_select(campaign, source)
    insert, constants = _insert(campaign, select)
    due, due_params = due_count(campaign, source)
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres():
            _planning_setup(cursor, None if locked else campaign)
            found = _insert_counted(
                cursor, insert, due, [*constants, *params, *due_params]
            )
        else:
            # SQLite has no INSERT inside WITH: count, then insert.
            cursor.execute(due, due_params)
            found = [("", "due", "", cursor.fetchone()[0])]
            cursor.execute(insert, [*constants, *params])
            found += [(*row, 1) for row in cursor.fetchall()]
    # Already there: what the outbox had, and what a sweep running at the
    # same time wrote first (this statement's snapshot did not see it).
    for channel, status, reason, n in found:
        if status == "due":
            result.already += n
        else:
            result.counts[(channel, status, reason)] += n
    result.already -= sum(result.counts.values())
    return result


_LOCK = "pg_advisory_xact_lock(hashtextextended(%s, 0))"


def _lock_name(campaign: Campaign) -> str:
    return f"care.plan/{campaign.conflict_group or f'campaign:{campaign.pk}'}"


def planning_lock(cursor, campaign: Campaign) -> None:
    """PostgreSQL: wait for any sweep writing this campaign's keys.

    The keys a campaign writes hold its id or its conflict group: a lock per
    campaign (per group), held to the end of the transaction, starts the second
    of two sweeps once the first committed, and its snapshot leaves out what
    the first wrote, so they never deadlock on a unique index whatever the
    order of their rows.
    """
    cursor.execute(f"SELECT {_LOCK}", [_lock_name(campaign)])


def _planning_setup(cursor, lock_for: Campaign | None) -> None:
    """PostgreSQL, one query: the planning lock (unless the caller holds it);
    for this transaction no JIT (compiling a statement this size costs more
    than it saves) and the work memory that keeps a whole audience's hash
    joins off the disk."""
    settings = "set_config('jit', 'off', true), set_config('work_mem', %s, true)"
    if lock_for is None:
        cursor.execute(f"SELECT {settings}", [PLAN_WORK_MEM])
    else:
        cursor.execute(
            f"SELECT {_LOCK}, {settings}", [_lock_name(lock_for), PLAN_WORK_MEM]
        )


def _insert_counted(cursor, insert: str, due: str, params: list) -> list[tuple]:
    """PostgreSQL: the insert, its counts and how many are due, in one statement.

    Tried first without ON CONFLICT: the rows are new (the SELECT leaves out
    what the outbox has), and checking each against the unique indexes
    beforehand cost a quarter of the insert at 1M rows. A sweep racing this
    one makes it fail on a unique key; it is then done again ignoring
    conflicts.
    """

    def counted(statement: str) -> str:
        return (
            f"WITH i AS ({statement}) "
            "SELECT channel, status, reason, count(*) FROM i GROUP BY 1, 2, 3 "
            f"UNION ALL SELECT '', 'due', '', ({due})"
        )

    try:
        with transaction.atomic():
            optimistic = insert.replace(" ON CONFLICT DO NOTHING", "")
            cursor.execute(counted(optimistic), params)
    except IntegrityError:
        cursor.execute(counted(insert), params)
    return cursor.fetchall()
