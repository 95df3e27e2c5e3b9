/**
 * The exit command's first part, `sh -c EXIT_HOOK_SH _ DIR RUN_ID WAITS HOOK…`:
 * the exit hook is a Node process, and most often it has nothing to do.
 * A `stop` marks the run stopped by the user, then waits for it and
 * settles it; a `wait`, `ps` or `rm` holds the container's lock while it
 * settles. So a shell reads DIR/state.json first: it ends when the run is
 * no longer `running` under RUN_ID (nor `restarting` because of it), waits
 * while a settler is at work (pausing WAITS seconds in turn: about half a
 * minute, which 50 containers stopped at once on a loaded machine need),
 * and only then runs the hook (`exec "$@"`), which settles what is left.
 * Stopping 50 containers at once so costs 50 shells instead of 50 Node
 * processes. A run stopped by the user (a `stop`, or a `kill` nobody waits
 * on) is looked at again after 1 s at the soonest: each pause is a `sleep`
 * process, and a stop of 20 containers had its settling share two cores
 * with 100 of them. The JSON is matched as text: JSON.stringify writes no spaces,
 * and a value cannot hold an unescaped quote, so `"status":"running"` is
 * the key's own. conmon may give the command no environment: programs are
 * named by path.
 */
export const EXIT_HOOK_SH = String.raw`d=$1 run=$2 waits=$3
shift 3
has() { case $st in *"$1"*) return 0 ;; esac; return 1; }
for t in $waits 0; do
  st=
  read -r st 2>/dev/null < "$d/state.json"
  if has '"status":"restarting"' && has "\"restartOf\":\"$run\""; then break; fi
  if ! has '"status":"running"' || ! has "\"runId\":\"$run\""; then exit 0; fi
  if has '"stoppedByUser":true'; then
    case $t in 0.*) t=1 ;; esac
  elif [ ! -e "$d/state.lock" ]; then break; fi
  [ "$t" = 0 ] || /bin/sleep "$t"
done
exec "$@"`;

/** EXIT_HOOK_SH's pauses while a settler is at work, seconds: short at first (a stop settles within a moment), about 30 in all. */
export const EXIT_HOOK_WAITS = "0.05 0.1 0.2 0.4 0.8 1 1 2 2 2 2 2 2 2 2 2 2 2 2 2 2";
