# Wait (at most $1 seconds) for the chains of run.sh (CHAINS=1 for distill.sh), then pack their results (no models) into $OUT.
R=${R:-/root/runs}
end=$((SECONDS + ${1:-60}))
while [ $SECONDS -lt $end ] && [ "$(cat $R/done.txt 2>/dev/null | wc -l)" -lt ${CHAINS:-5} ]; do sleep 5; done
cat $R/done.txt 2>/dev/null
for f in $R/*.log; do echo "== $f"; grep -E "macro-F1|Error|error:|Traceback|line macro|triple" $f | tail -6; done
tar czf $OUT/results.tgz --exclude="./*/model" -C $R .
tar czf $OUT/articles.tgz -C ${REPO:-/root/repo} benchmarks/results/articles 2>/dev/null
nvidia-smi --query-gpu=name,memory.used,utilization.gpu --format=csv 2>/dev/null
ls -la $OUT
