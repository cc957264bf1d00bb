-- The shared rate-limit budget of okta-client (generated/core/src/governor/shared/): one script
-- whose operations (ping, acquire, reclaim, release, record) run atomically in Redis, so that
-- every process of an org takes the same decision. The protocol is written once, in
-- shared/protocol.rs (`RedisKeys`, `Request`, the answers): this script reads its keys by name
-- and one JSON request, and answers one JSON object.
--
-- Keys, in the order of `Keys::all`:
--   bucket     hash {limit, remaining, reset_s (Okta's X-Rate-Limit-Reset), reset (ms, Redis
--              time), window (ms), predicted (1 once the window has rolled over unseen),
--              unlimited (1: the route sends no rate-limit headers)}
--   leases     sorted set of the bucket's lease ids (units reserved, in flight or scheduled),
--              scored by expiry in Redis ms, and the bucket's epoch (see `epoch`), scored +inf
--   in_flight  the org's concurrency leases: sorted set of lease ids scored by expiry
--   clock      the org's hash {cur, prev, n}: how far Okta's clock is ahead of Redis's, in ms
--   probe      the lease id of the one request learning an unknown bucket
--   workers    the org's sorted set of live clients, scored by when their presence expires
--
-- ARGV[1]: the request (`Request` in shared/protocol.rs), with the limits (`Limits`) the client passes
-- so that no constant is written twice.

local K = {
  bucket = KEYS[1],
  leases = KEYS[2],
  in_flight = KEYS[3],
  clock = KEYS[4],
  probe = KEYS[5],
  workers = KEYS[6],
}
local req = cjson.decode(ARGV[1])
local L = req.limits

local function now_ms()
  if type(req.now) == 'number' then
    return req.now
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

-- This client is alive: it counts among the org's workers for `presence_ms`. Returns how many
-- clients used the budget within that time (the share each takes on its own in an outage).
local function present()
  redis.call('ZREMRANGEBYSCORE', K.workers, '-inf', now)
  redis.call('ZADD', K.workers, now + L.presence_ms, req.worker)
  redis.call('PEXPIRE', K.workers, L.presence_ms * 2)
  return redis.call('ZCARD', K.workers)
end

local function answer(t)
  t.now = now
  return cjson.encode(t)
end

-- The bucket's epoch: an id that changes whenever Redis loses the bucket's leases (a flush, a
-- restart without persistence, an evicted or expired key). It is a member of the leases set
-- itself, scored +inf (never expired by score, never counted as a unit), so that it is lost
-- exactly when the leases are. A client that holds leases taken under another epoch puts them
-- back (`reclaim`) before anything else is decided, so that its calls in flight keep counting
-- against the window. Created with the first lease.
local function current_epoch()
  return redis.call('ZRANGEBYSCORE', K.leases, '+inf', '+inf', 'LIMIT', 0, 1)[1]
end

-- The units reserved: the leases set without its epoch.
local function reserved()
  return redis.call('ZCOUNT', K.leases, '-inf', '(+inf')
end

-- Extends `key`'s expiry to at least `ms` from now (never shortens it).
local function keep_for(key, ms)
  if redis.call('PTTL', key) < ms then
    redis.call('PEXPIRE', key, ms)
  end
end

-- The epoch, created (`epoch:` and this request's lease id, which never holds a `:`) if the
-- leases set has none; the set then lives at least `keep_ms`.
local function epoch(current, keep_ms)
  if current then
    return current
  end
  local e = 'epoch:' .. req.lease
  redis.call('ZADD', K.leases, '+inf', e)
  keep_for(K.leases, keep_ms)
  return e
end

if req.op == 'ping' then
  return answer({ outcome = 'pong', workers = present() })
end

if req.op == 'acquire' then
  -- A client gives up on an answer after its timeout: an acquire that reaches Redis after that
  -- (a paused Redis resuming, a slow network) must not hold anything, as nobody would use or
  -- release it.
  if type(req.deadline) == 'number' and now > req.deadline then
    return answer({ outcome = 'expired', workers = 0 })
  end
  local workers = present()
  local current = current_epoch()
  if type(req.epoch) == 'string' and req.epoch ~= current then
    -- Redis lost this client's leases: it puts them back first.
    return answer({ outcome = 'reclaim', workers = workers })
  end
  local lease = req.lease
  redis.call('ZREMRANGEBYSCORE', K.leases, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', K.in_flight, '-inf', now)
  local probe = false
  local start_at = now
  if not req.held then
    local b = redis.call('HMGET', K.bucket, 'limit', 'remaining', 'reset', 'window', 'unlimited')
    local limit, remaining, reset, window = num(b[1]), num(b[2]), num(b[3]), num(b[4])
    if b[5] == '1' then
      -- Nothing to pace on this route.
    elseif limit == nil then
      -- Unknown bucket: one request learns it, the others wait for its answer (not for ever).
      if redis.call('SET', K.probe, lease, 'NX', 'PX', L.probe_patience_ms) then
        probe = true
      else
        local left = redis.call('PTTL', K.probe)
        if left < 1 then
          left = req.poll_ms
        end
        return answer({ outcome = 'wait', wait_ms = math.min(left, req.poll_ms * 5),
          learning = true, workers = workers })
      end
    else
      window = math.max(window or L.longest_window_ms, 1)
      if reset <= now then
        -- The window reset without an answer describing the next one: assume the whole limit
        -- and the same length, until a response tells.
        local windows = math.floor((now - reset) / window) + 1
        reset = reset + windows * window
        remaining = limit
        redis.call('HSET', K.bucket, 'remaining', limit, 'reset', reset, 'predicted', 1)
      end
      local in_flight = reserved()
      local allowed = math.max(1, math.min(limit, math.floor(limit * req.share)))
      local used = math.max(0, limit - remaining)
      if used + in_flight >= allowed then
        -- Spent: nothing until the reset (a window never lasts longer than Okta's minute).
        return answer({ outcome = 'wait', wait_ms = math.min(reset - now, L.longest_window_ms),
          spent = true, workers = workers })
      end
      -- Smooth spending: a burst fraction at the window's start, the rest released evenly
      -- over the window, so that waiting workers do not all send at the reset. Each reserved
      -- unit takes the next release; the caller sleeps until then holding it.
      local start = reset - window
      local need = used + in_flight + 1
      local fraction = (need / allowed - req.burst) / (1 - req.burst)
      if fraction > 0 then
        start_at = math.max(now, math.ceil(start + fraction * window))
      end
      if start_at >= reset then
        return answer({ outcome = 'wait', wait_ms = math.min(reset - now, L.longest_window_ms),
          spent = true, workers = workers })
      end
    end
    redis.call('ZADD', K.leases, start_at + req.lease_ms, lease)
    redis.call('PEXPIRE', K.leases, req.lease_ms * 2 + (start_at - now))
  end
  if start_at > now then
    return answer({ outcome = 'scheduled', wait_ms = start_at - now, probe = probe,
      epoch = epoch(current, req.lease_ms), workers = workers })
  end
  -- The org-wide cap on requests in flight.
  if redis.call('ZCARD', K.in_flight) >= req.max_in_flight then
    local first = redis.call('ZRANGE', K.in_flight, 0, 0, 'WITHSCORES')
    local wait = req.poll_ms
    if first[2] then
      wait = math.max(1, math.min(req.poll_ms, tonumber(first[2]) - now))
    end
    if req.held then
      return answer({ outcome = 'scheduled', wait_ms = wait, probe = probe,
        epoch = epoch(current, req.lease_ms), workers = workers })
    end
    -- Give the unit back rather than hold it while waiting for a slot.
    redis.call('ZREM', K.leases, lease)
    if probe then
      redis.call('DEL', K.probe)
    end
    return answer({ outcome = 'wait', wait_ms = wait, workers = workers })
  end
  redis.call('ZADD', K.in_flight, now + req.lease_ms, lease)
  redis.call('PEXPIRE', K.in_flight, req.lease_ms * 2)
  return answer({ outcome = 'go', probe = probe, epoch = epoch(current, req.lease_ms),
    workers = workers })
end

if req.op == 'reclaim' then
  -- The leases this client holds for the bucket (`leases`: id, expiry in Redis ms, whether the
  -- call was sent), put back under the bucket's current epoch; expired ones stay gone.
  local workers = present()
  local longest = 0
  for _, l in ipairs(req.leases) do
    local left = l.expires - now
    if left > 0 then
      redis.call('ZADD', K.leases, 'NX', l.expires, l.id)
      if l.sent then
        redis.call('ZADD', K.in_flight, 'NX', l.expires, l.id)
        keep_for(K.in_flight, left)
      end
      longest = math.max(longest, left)
    end
  end
  if longest > 0 then
    keep_for(K.leases, longest)
  end
  return answer({ outcome = 'reclaimed', epoch = epoch(current_epoch(), math.max(longest, 1000)),
    workers = workers })
end

if req.op == 'release' then
  redis.call('ZREM', K.leases, req.lease)
  redis.call('ZREM', K.in_flight, req.lease)
  if redis.call('GET', K.probe) == req.lease then
    redis.call('DEL', K.probe)
  end
  return answer({ outcome = 'released' })
end

if req.op == 'record' then
  -- Every answer names the bucket's epoch (none while Redis has lost it), so that a client
  -- whose other calls are still in flight puts their leases back without waiting for its next
  -- acquire.
  local current = current_epoch()
  local function recorded(t)
    t.epoch = current or nil
    return answer(t)
  end
  local ttl = req.bucket_ttl_ms
  redis.call('ZREM', K.leases, req.lease)
  redis.call('ZREM', K.in_flight, req.lease)
  if req.probe and redis.call('GET', K.probe) == req.lease then
    redis.call('DEL', K.probe)
  end
  local r = req.report
  if type(r) ~= 'table' then
    if req.status == 429 then
      return recorded({ verdict = 'unknown' })
    end
    if redis.call('HEXISTS', K.bucket, 'limit') == 0 then
      redis.call('HSET', K.bucket, 'unlimited', 1)
      redis.call('PEXPIRE', K.bucket, ttl)
    end
    return recorded({ verdict = 'not_limited' })
  end
  local limit, remaining, reset_s = r.limit, r.remaining, r.reset
  -- Okta's reset in Redis time. Each `Date − now` sample is at most the true offset between the
  -- clocks (Date is truncated to the second and arrives late), so the largest recent sample is
  -- the best estimate; epochs let it follow a clock that is adjusted.
  local reset
  if type(r.date) == 'number' then
    local sample = r.date * 1000 - now
    if math.abs(sample) <= L.max_skew_ms then
      local c = redis.call('HMGET', K.clock, 'cur', 'prev', 'n')
      local cur, n = num(c[1]), (num(c[3]) or 0) + 1
      cur = math.max(cur or sample, sample)
      if n >= L.skew_epoch then
        redis.call('HSET', K.clock, 'prev', cur, 'n', 0)
        redis.call('HDEL', K.clock, 'cur')
      else
        redis.call('HSET', K.clock, 'cur', cur, 'n', n)
      end
      redis.call('PEXPIRE', K.clock, 86400000)
      local prev = num(c[2])
      local skew = math.max(cur, prev or cur)
      reset = reset_s * 1000 - skew
    else
      reset = now + (reset_s - r.date) * 1000
    end
  else
    reset = now + req.secs_left * 1000
  end
  reset = math.max(now, math.min(reset, now + L.longest_window_ms))
  local b = redis.call('HMGET', K.bucket, 'limit', 'remaining', 'reset_s', 'window', 'predicted')
  local cur_limit, cur_remaining, cur_reset_s = num(b[1]), num(b[2]), num(b[3])
  local window = math.min(L.longest_window_ms, math.max(num(b[4]) or 0, reset - now))
  local verdict, wait = 'not_limited', 0
  if req.status == 429 then
    local known = cur_limit ~= nil and b[5] ~= '1'
    if (known and cur_limit ~= limit) or remaining > 0 then
      -- Headers of another limit, or a bucket with budget: a concurrency violation.
      return recorded({ verdict = 'concurrency' })
    end
    verdict, wait = 'spent', reset - now
    if cur_reset_s ~= nil and cur_reset_s > reset_s then
      return recorded({ verdict = verdict, wait_ms = wait })
    end
    redis.call('HSET', K.bucket, 'limit', limit, 'remaining', 0, 'reset_s', reset_s, 'reset',
      reset, 'window', window, 'predicted', 0)
  elseif cur_reset_s ~= nil and reset_s == cur_reset_s and b[5] ~= '1' then
    -- Answers arrive out of order: the lowest count of a window is the latest.
    redis.call('HSET', K.bucket, 'remaining', math.min(cur_remaining, remaining), 'window', window)
  elseif cur_reset_s ~= nil and reset_s <= cur_reset_s then
    -- An answer from a window already over (this one has rolled over unseen since).
  else
    redis.call('HSET', K.bucket, 'limit', limit, 'remaining', remaining, 'reset_s', reset_s,
      'reset', reset, 'window', window, 'predicted', 0)
  end
  redis.call('HDEL', K.bucket, 'unlimited')
  redis.call('PEXPIRE', K.bucket, ttl)
  if verdict == 'spent' then
    return recorded({ verdict = verdict, wait_ms = wait })
  end
  return recorded({ verdict = verdict })
end

return redis.error_reply('okta-client budget script: unknown operation ' .. tostring(req.op))
