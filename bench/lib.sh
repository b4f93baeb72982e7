# Shared by the bench/*.sh scripts (sourced, bash): the median, the CPU time of a command's
# children from the shell's `times`, and the A B A B rounds loop with its table of medians and
# ratios against the first side.

# median: reads numbers, one per line; prints their median (the mean of the middle two, rounded
# down, for an even count)
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

# now: nanoseconds since the epoch
now() { date +%s%N; }

# children_cpu_ms: reads the output of `times` (its last line: the children's user and system
# time, as 0m1.234s 0m0.056s); prints their sum in ms. What a command and every process it
# waited for (QEMU and virtiofsd included) spent on the CPU, which a busy shared host moves far
# less than the wall time.
children_cpu_ms() { tail -n 1 | awk '{n=0; for (i=1;i<=2;i++) {split($i,a,/[ms]/); n+=a[1]*60000+a[2]*1000}; printf "%d", n}'; }

# ab_rounds BENCH ROUNDS SIDE-FUNCTION GOAL-FUNCTION NAME...
#   Runs every side once as a warm-up (page cache, kboot's caches; not counted), then ROUNDS
#   rounds of all sides in order (A B C A B C: run-to-run noise on these machines is about
#   +-15%, so every side sees the same host). SIDE-FUNCTION I must print "wall-ms cpu-ms" for
#   side I (0-based) or fail (saying why); GOAL-FUNCTION I prints side I's goal, or nothing.
#   Prints each round, then each side's medians and their ratios to side 0's, and the load
#   average at the start and end (quote it with any figure).
ab_rounds() {
  local bench=$1 rounds=$2 side=$3 goal=$4 r i t c w line wb cb
  shift 4
  local names=("$@")
  echo "$bench: $rounds rounds; $(nproc) CPUs; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  for i in "${!names[@]}"; do "$side" "$i" >/dev/null || return 1; done
  local -A walls cpus
  for r in $(seq "$rounds"); do
    line="round $r:"
    for i in "${!names[@]}"; do
      read -r t c <<<"$("$side" "$i")"
      [ -n "$t" ] || return 1   # the side failed (it said why)
      walls[$i]+="$t "; cpus[$i]+="$c "
      line+=$(printf '  %s %5d/%5d' "${names[$i]}" "$t" "$c")
    done
    echo "$line ms (wall/CPU)"
  done
  wb=$(tr ' ' '\n' <<<"${walls[0]}" | grep . | median)
  cb=$(tr ' ' '\n' <<<"${cpus[0]}" | grep . | median)
  printf '\n%-16s %10s %7s %10s %7s  %s\n' side wall ratio CPU ratio 'goal (wall)'
  for i in "${!names[@]}"; do
    w=$(tr ' ' '\n' <<<"${walls[$i]}" | grep . | median)
    c=$(tr ' ' '\n' <<<"${cpus[$i]}" | grep . | median)
    printf '%-16s %7d ms %7s %7d ms %7s  %s\n' "${names[$i]}" "$w" "$(awk -v a="$w" -v b="$wb" 'BEGIN {printf "%.3f", a/b}')" \
      "$c" "$(awk -v a="$c" -v b="$cb" 'BEGIN {printf "%.3f", a/b}')" "$("$goal" "$i")"
  done
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
}
