-- The shared rate-limit budget of okta-client (generated/core/src/governor/shared.rs): one script, two
-- operations, run atomically by Redis so that every process of an org takes the same decision.
--
-- KEYS[1] bucket hash  {limit, remaining, reset_s (Okta's X-Rate-Limit-Reset), reset (ms,
--         Redis time), window (ms), predicted (1 once the window has rolled over unseen),
--         unlimited (1: the route sends no rate-limit headers)}
-- KEYS[2] bucket leases: sorted set of lease ids (units reserved, in flight or scheduled),
--         scored by expiry in Redis ms
-- KEYS[3] org concurrency leases: sorted set of lease ids scored by expiry
-- KEYS[4] org clock hash {cur, prev, n}: how far Okta's clock is ahead of Redis's, in ms
-- KEYS[5] probe: the lease id of the one request learning an unknown bucket
--
-- ARGV[1] operation: "acquire" or "record"
-- ARGV[2] lease id
-- ARGV[3] now (ms) for tests; empty: Redis's own TIME, so hosts with skewed clocks agree
-- acquire: ARGV[4] share, [5] lease ms, [6] max in flight, [7] unit already held (0/1),
--          [8] probe patience ms, [9] burst fraction, [10] poll ms
--   returns {code, wait ms, probe}: 0 go (unit and slot held), 1 unit held, slot not yet:
--   call again with ARGV[7] = 1 after the wait, 2 nothing held: call again after the wait
-- record:  ARGV[4] status, [5] has report (0/1), [6] limit, [7] remaining, [8] reset (Unix s),
--          [9] Date (Unix s, or empty), [10] seconds to reset by the local clock (no Date),
--          [11] probe (0/1), [12] key expiry ms
--   returns {verdict, wait ms}: 0 answered, 1 spent (wait until the reset), 2 concurrency,
--   3 unknown

local LONGEST_WINDOW = 60000
local MAX_SKEW = 86400000
local SKEW_EPOCH = 256

local function now_ms()
  if ARGV[3] ~= '' then
    return tonumber(ARGV[3])
  end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function num(v)
  if v == false or v == nil then
    return nil
  end
  return tonumber(v)
end

local now = now_ms()
local op = ARGV[1]
local lease = ARGV[2]

if op == 'acquire' then
  local share = tonumber(ARGV[4])
  local lease_ms = tonumber(ARGV[5])
  local max_in_flight = tonumber(ARGV[6])
  local held = ARGV[7] == '1'
  local patience = tonumber(ARGV[8])
  local burst = tonumber(ARGV[9])
  local poll = tonumber(ARGV[10])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  local probe = 0
  local start_at = now
  if not held then
    local b = redis.call('HMGET', KEYS[1], 'limit', 'remaining', 'reset', 'window', 'unlimited')
    local limit, remaining, reset, window = num(b[1]), num(b[2]), num(b[3]), num(b[4])
    if b[5] == '1' then
      -- Nothing to pace on this route.
    elseif limit == nil then
      -- Unknown bucket: one request learns it, the others wait for its answer (not for ever).
      if redis.call('SET', KEYS[5], lease, 'NX', 'PX', patience) then
        probe = 1
      else
        return {2, poll, 0}
      end
    else
      window = math.max(window or LONGEST_WINDOW, 1)
      if reset <= now then
        -- The window reset without an answer describing the next one: assume the whole limit
        -- and the same length, until a response tells.
        local windows = math.floor((now - reset) / window) + 1
        reset = reset + windows * window
        remaining = limit
        redis.call('HSET', KEYS[1], 'remaining', limit, 'reset', reset, 'predicted', 1)
      end
      local in_flight = redis.call('ZCARD', KEYS[2])
      local allowed = math.max(1, math.min(limit, math.floor(limit * share)))
      local used = math.max(0, limit - remaining)
      if used + in_flight >= allowed then
        -- Spent: nothing until the reset (a window never lasts longer than Okta's minute).
        return {2, math.min(reset - now, LONGEST_WINDOW), 0}
      end
      -- Smooth spending: a burst fraction at the window's start, the rest released evenly
      -- over the window, so that waiting workers do not all send at the reset. Each reserved
      -- unit takes the next release; the caller sleeps until then holding it.
      local start = reset - window
      local need = used + in_flight + 1
      local fraction = (need / allowed - burst) / (1 - burst)
      if fraction > 0 then
        start_at = math.max(now, math.ceil(start + fraction * window))
      end
      if start_at >= reset then
        return {2, math.min(reset - now, LONGEST_WINDOW), 0}
      end
    end
    redis.call('ZADD', KEYS[2], start_at + lease_ms, lease)
    redis.call('PEXPIRE', KEYS[2], lease_ms * 2 + (start_at - now))
  end
  if start_at > now then
    return {1, start_at - now, probe}
  end
  -- The org-wide cap on requests in flight.
  if redis.call('ZCARD', KEYS[3]) >= max_in_flight then
    local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
    local wait = poll
    if first[2] then
      wait = math.max(1, math.min(poll, tonumber(first[2]) - now))
    end
    if held then
      return {1, wait, probe}
    end
    -- Give the unit back rather than hold it while waiting for a slot.
    redis.call('ZREM', KEYS[2], lease)
    if probe == 1 then
      redis.call('DEL', KEYS[5])
    end
    return {2, wait, 0}
  end
  redis.call('ZADD', KEYS[3], now + lease_ms, lease)
  redis.call('PEXPIRE', KEYS[3], lease_ms * 2)
  return {0, 0, probe}
end

if op == 'record' then
  local status = tonumber(ARGV[4])
  local has_report = ARGV[5] == '1'
  local ttl = tonumber(ARGV[12])
  redis.call('ZREM', KEYS[2], lease)
  redis.call('ZREM', KEYS[3], lease)
  if ARGV[11] == '1' and redis.call('GET', KEYS[5]) == lease then
    redis.call('DEL', KEYS[5])
  end
  if not has_report then
    if status == 429 then
      return {3, 0}
    end
    if redis.call('HEXISTS', KEYS[1], 'limit') == 0 then
      redis.call('HSET', KEYS[1], 'unlimited', 1)
      redis.call('PEXPIRE', KEYS[1], ttl)
    end
    return {0, 0}
  end
  local limit, remaining, reset_s = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
  -- Okta's reset in Redis time. Each `Date − now` sample is at most the true offset between the
  -- clocks (Date is truncated to the second and arrives late), so the largest recent sample is
  -- the best estimate; epochs let it follow a clock that is adjusted.
  local reset
  if ARGV[9] ~= '' then
    local sample = tonumber(ARGV[9]) * 1000 - now
    if math.abs(sample) <= MAX_SKEW then
      local c = redis.call('HMGET', KEYS[4], 'cur', 'prev', 'n')
      local cur, n = num(c[1]), (num(c[3]) or 0) + 1
      cur = math.max(cur or sample, sample)
      if n >= SKEW_EPOCH then
        redis.call('HSET', KEYS[4], 'prev', cur, 'n', 0)
        redis.call('HDEL', KEYS[4], 'cur')
      else
        redis.call('HSET', KEYS[4], 'cur', cur, 'n', n)
      end
      redis.call('PEXPIRE', KEYS[4], 86400000)
      local prev = num(c[2])
      local skew = math.max(cur, prev or cur)
      reset = reset_s * 1000 - skew
    else
      reset = now + (reset_s - tonumber(ARGV[9])) * 1000
    end
  else
    reset = now + tonumber(ARGV[10]) * 1000
  end
  reset = math.max(now, math.min(reset, now + LONGEST_WINDOW))
  local b = redis.call('HMGET', KEYS[1], 'limit', 'remaining', 'reset_s', 'window', 'predicted')
  local cur_limit, cur_remaining, cur_reset_s = num(b[1]), num(b[2]), num(b[3])
  local window = math.min(LONGEST_WINDOW, math.max(num(b[4]) or 0, reset - now))
  local verdict, wait = 0, 0
  if status == 429 then
    local known = cur_limit ~= nil and b[5] ~= '1'
    if (known and cur_limit ~= limit) or remaining > 0 then
      -- Headers of another limit, or a bucket with budget: a concurrency violation.
      return {2, 0}
    end
    verdict, wait = 1, reset - now
    if cur_reset_s ~= nil and cur_reset_s > reset_s then
      return {verdict, wait}
    end
    redis.call('HSET', KEYS[1], 'limit', limit, 'remaining', 0, 'reset_s', reset_s, 'reset', reset,
      'window', window, 'predicted', 0)
  elseif cur_reset_s ~= nil and reset_s == cur_reset_s and b[5] ~= '1' then
    -- Answers arrive out of order: the lowest count of a window is the latest.
    redis.call('HSET', KEYS[1], 'remaining', math.min(cur_remaining, remaining), 'window', window)
  elseif cur_reset_s ~= nil and reset_s <= cur_reset_s then
    -- An answer from a window already over (this one has rolled over unseen since).
  else
    redis.call('HSET', KEYS[1], 'limit', limit, 'remaining', remaining, 'reset_s', reset_s,
      'reset', reset, 'window', window, 'predicted', 0)
  end
  redis.call('HDEL', KEYS[1], 'unlimited')
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {verdict, wait}
end

return redis.error_reply('okta-client budget script: unknown operation ' .. tostring(op))
