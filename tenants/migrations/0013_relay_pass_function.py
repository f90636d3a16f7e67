from django.db import migrations

# A relay pass over one hotline schema as one call (live/relay.py): the counter row's lock,
# then, in a statement of its own (a new snapshot: every event committed before the lock),
# the pending events numbered with gap-free positions, each with its work order's number and
# state, whether its dealer and (a transfer's) the dealer it left are active members of the
# network, and the position of the dealer's previous inbox message; the outbox emptied of
# them, their positions recorded (relayed at the caller's now), the counter and the dealers'
# feeds advanced. An outbox entry whose event is missing comes back with nulls (and is
# removed). In public, like the outbox trigger, because a new hotline schema is cloned
# without functions; the unqualified tables resolve to the hotline named, whose schema the
# call puts first on the search path for its own statements only (the caller's is put back).
CREATE = """
CREATE OR REPLACE FUNCTION public.relay_pass(
    hotline_schema text, for_manufacturer bigint, batch_size integer, transferred_kind text,
    relayed_now timestamptz
)
RETURNS TABLE (
    event_id bigint, work_order_id bigint, kind text, at timestamptz, dealer_id bigint, data text,
    number text, state text, "position" bigint, dealer_active boolean, left_active boolean,
    dealer_prev bigint
)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    counted bigint;
    callers_path text := current_setting('search_path');
BEGIN
    PERFORM set_config('search_path', quote_ident(hotline_schema) || ', public', true);
    SELECT c.last INTO counted FROM hotline_relaycounter AS c WHERE c.id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO hotline_relaycounter (id, last) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
        SELECT c.last INTO counted FROM hotline_relaycounter AS c WHERE c.id = 1 FOR UPDATE;
    END IF;
    RETURN QUERY
    WITH taken AS (
        SELECT o.event_id FROM hotline_outbox AS o ORDER BY o.event_id LIMIT batch_size
    ),
    numbered AS (
        SELECT t.event_id, e.work_order_id, e.kind::text, e.at, e.dealer_id, e.data::text,
            w.number::text, w.state::text,
            CASE WHEN e.id IS NOT NULL THEN counted + count(e.id) OVER (ORDER BY t.event_id) END AS pos,
            EXISTS (SELECT FROM tenants_networkmembership AS m WHERE m.manufacturer_id = for_manufacturer
                    AND m.is_active AND m.dealer_id = e.dealer_id) AS dealer_active,
            EXISTS (SELECT FROM tenants_networkmembership AS m WHERE m.manufacturer_id = for_manufacturer
                    AND m.is_active AND m.dealer_id = CASE WHEN e.kind = transferred_kind
                        THEN (e.data ->> 'from_dealer_id')::bigint END) AS left_active
        FROM taken AS t
        LEFT JOIN hotline_workorderevent AS e ON e.id = t.event_id
        LEFT JOIN hotline_workorder AS w ON w.id = e.work_order_id
    ),
    fed AS (
        SELECT n.*, CASE WHEN n.dealer_active THEN coalesce(
            lag(n.pos) OVER (PARTITION BY n.dealer_id, n.dealer_active ORDER BY n.pos), f.last, 0) END AS prev
        FROM numbered AS n LEFT JOIN hotline_relayfeed AS f ON f.dealer_id = n.dealer_id
    ),
    gone AS (DELETE FROM hotline_outbox AS o USING taken AS t WHERE o.event_id = t.event_id),
    relayed AS (
        INSERT INTO hotline_relayedevent (position, event_id, relayed_at)
        SELECT n.pos, n.event_id, relayed_now FROM numbered AS n WHERE n.pos IS NOT NULL
    ),
    counter AS (
        UPDATE hotline_relaycounter AS c SET last = counted + (SELECT count(n.pos) FROM numbered AS n)
        WHERE c.id = 1 AND EXISTS (SELECT FROM numbered AS n WHERE n.pos IS NOT NULL)
    ),
    feeds AS (
        INSERT INTO hotline_relayfeed AS f (dealer_id, last)
        SELECT n.dealer_id, max(n.pos) FROM numbered AS n WHERE n.dealer_active GROUP BY n.dealer_id
        ON CONFLICT ON CONSTRAINT hotline_relayfeed_pkey DO UPDATE SET last = EXCLUDED.last
    )
    SELECT f.event_id, f.work_order_id, f.kind, f.at, f.dealer_id, f.data, f.number, f.state, f.pos,
        f.dealer_active, f.left_active, f.prev
    FROM fed AS f ORDER BY f.event_id;
    PERFORM set_config('search_path', callers_path, true);
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("tenants", "0012_parts_centre_staff")]
    operations = [
        migrations.RunSQL(CREATE, "DROP FUNCTION IF EXISTS public.relay_pass(text, bigint, integer, text, timestamptz)"),
    ]
