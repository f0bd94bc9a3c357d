// Prometheus durations from seconds: the largest unit that divides them (900 → "15m").
{
  // `what` names the setting it comes from, for the error.
  fromSeconds(seconds, what='a duration')::
    assert std.isNumber(seconds) && seconds >= 0 && seconds == std.floor(seconds) :
           '%s must be a whole, non-negative number of seconds, got %s' % [what, seconds];
    if seconds == 0 then '0s'
    else if seconds % 3600 == 0 then '%dh' % (seconds / 3600)
    else if seconds % 60 == 0 then '%dm' % (seconds / 60)
    else '%ds' % seconds,
}
