# The distillation run on the GPU machine (not part of the project): an MPNet article scorer (the
# teacher: experiment=articles with all-mpnet-base-v2, batch 64), then MiniLM students trained on
# experiment=articles exactly as the recommended scorer, plus model.distill_from=the teacher, side by side
# on the one GPU. STUDENTS = "NAME:WEIGHT ..." (default "minilm-distilled:0.5"); NAME also names the
# result files, TEACHER names the teacher's. The teacher is scored on valid; each student on train-select,
# valid and the bundled articles, with its int8 copy and recheck 0.1, as minilm-hard-park.
# K = the kit, R = run folders.
# TEST=1 (run it in a copy of the repo: it writes results): a few examples each, only the bundled articles, on this CPU, to catch mistakes before device time is spent.
source "$(dirname "$0")/prelude.sh"
X=""
if [ "${TEST:-0}" = 1 ]; then X="--only bundled"; fi
common="experiment=articles save_to_models=false data.test=null model.progress=false model.threads=4 $lim"
T=$R/teacher
E="$PY benchmarks/articles_seesaw.py"
students=""
for s in ${STUDENTS:-minilm-distilled:0.5}; do
  name=${s%%:*}; w=${s##*:}; S=$R/$name
  ST="$E --run $S --name $name --int8 --int8-recheck 0.1"
  students="$students
  ( timeout 1700 $PY train.py $common model.pretrained=$K/models/minilm model.distill_from=$T/model \
      model.distill_weight=$w hydra.run.dir=$S > $R/$name.log 2>&1 || exit 2
    $ST --split train --part select --only seesaw --ner-processes 2 $X > $R/eval-$name-select.log 2>&1 &
    $ST --only seesaw --ner-processes 2 $X > $R/eval-$name-valid.log 2>&1 &
    $ST --only bundled > $R/eval-$name-bundled.log 2>&1 &
    wait ) &"
done
body="
  timeout 1700 $PY train.py $common model.pretrained=$K/models/${TM:-mpnet} model.int8=false model.batch_size=64 \
    hydra.run.dir=$T > $R/teacher.log 2>&1 || exit 1
  $E --run $T --name ${TEACHER:-mpnet-hard-park-gpu} --only seesaw --ner-processes 3 $X > $R/eval-teacher.log 2>&1 &
  $students
  wait"
setsid nohup bash -c "( $body ); echo distill rc=\$? \$(date -u +%T) >> $R/done.txt" > "$R/distill.log" 2>&1 &
echo "started $(date -u +%T)"
