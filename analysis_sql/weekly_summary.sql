-- Per ISO week: events per active user and per active corporation (avg, min, max).
-- Averages are numeric rounded to 2 places; a week without any corporation has
-- active_corporations = 0 and NULL corporation statistics.
-- Both kinds of counts go through one GROUP BY week_start, so that a filter on week_start
-- (an incremental run) reaches both scans of user_daily_events.
with events_per_user as (
    select
        week_start,
        user_id,
        sum(events) as events
    from analytics.user_daily_events
    group by
        week_start,
        user_id
),
events_per_corporation as (
    select
        week_start,
        user_corporate_id,
        sum(events) as events
    from analytics.user_daily_events
    where user_corporate_id is not null
    group by
        week_start,
        user_corporate_id
),
counts as (
    select week_start, true as per_user, events from events_per_user
    union all
    select week_start, false as per_user, events from events_per_corporation
)
select
    week_start,
    extract(isoyear from week_start)::integer as iso_year,
    extract(week from week_start)::integer as iso_week,
    count(*) filter (where per_user) as active_users,
    round(avg(events) filter (where per_user), 2) as avg_events_per_user,
    (min(events) filter (where per_user))::bigint as min_events_per_user,
    (max(events) filter (where per_user))::bigint as max_events_per_user,
    count(*) filter (where not per_user) as active_corporations,
    round(avg(events) filter (where not per_user), 2) as avg_events_per_corporation,
    (min(events) filter (where not per_user))::bigint as min_events_per_corporation,
    (max(events) filter (where not per_user))::bigint as max_events_per_corporation
from counts
group by week_start
