#!/usr/bin/env bash
# Re-make the screen captures in this folder: every command run in a real terminal (tmux, 120x40)
# against FakeToggl, the pane saved as text. Usage: docs/screens/capture.sh [PYTHON]
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${1:-python3}
OUT=docs/screens
WORK=$(mktemp -d)
SESSION=toggl-async-screens
PORT=18765
trap 'tmux kill-session -t $SESSION 2>/dev/null || true; kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT

# A served fake, paced at 2 requests a second so that sync's progress display is on screen long enough.
"$PYTHON" -m toggl_async.testing --port $PORT --seed demo --users 2 --time-entries 1200 --days 60 --rate 2 \
    --print-json >"$WORK/server.json" 2>/dev/null &
SERVER=$!
for _ in $(seq 50); do [ -s "$WORK/server.json" ] && break; sleep 0.2; done
TOKEN=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["users"][0]["api_token"])' "$WORK/server.json")

tmux new-session -d -s $SESSION -x 120 -y 40 -c "$PWD"
# The shell adds a line to $WORK/prompts at every prompt, so each command is typed once the one before is done.
touch "$WORK/prompts"
tmux send-keys -t $SESSION "PROMPT_COMMAND='echo >>$WORK/prompts'" Enter
prompts() { wc -l <"$WORK/prompts"; }
settle() { # wait for the prompt after the command just typed (at most a minute)
    local want=$(( $1 + 1 ))
    for _ in $(seq 600); do [ "$(prompts)" -ge "$want" ] && return; sleep 0.1; done
}
settle 0
send() { tmux send-keys -t $SESSION "$1" Enter; }
ran() { local before; before=$(prompts); send "$1"; settle "$before"; }
ran "export PS1='\$ ' XDG_CONFIG_HOME=$WORK/config TZ=UTC; toggl-async() { $PYTHON -m toggl_async.cli \"\$@\"; }"
ran "export SERVED='--base-url http://127.0.0.1:$PORT' STATE='--fake-state $WORK/fake.json' TOGGL_API_TOKEN=$TOKEN"

# shot NAME COMMAND...: clear the pane, run each command, save the pane.
shot() {
    local name=$1; shift
    ran "clear"; tmux clear-history -t $SESSION
    for command in "$@"; do ran "$command"; done
    tmux capture-pane -t $SESSION -p -S - -E - | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$OUT/$name.txt"
    echo "$OUT/$name.txt"
}

shot help "toggl-async --help"
shot timer 'toggl-async timer start "Writing docs" --project Website --tag writing --at -25m $STATE' \
    'toggl-async timer current $STATE' \
    'toggl-async timer edit -d "Writing the CLI page" --project "Mobile app" $STATE' \
    'toggl-async timer stop $STATE' \
    'toggl-async timer continue $STATE' \
    'toggl-async timer current --json $STATE | head -12'
shot add-edit-rm 'toggl-async timer stop $STATE' \
    'toggl-async add "Review" 9:00 10:30 --project Website $STATE' \
    'toggl-async add "Standup" "yesterday 9:30" 15m $STATE' \
    'toggl-async entries today $STATE --format plain | tail -3' \
    'ID=$(toggl-async entries today --format tsv $STATE | awk -F"\t" "\$5==\"Review\" {print \$1}")' \
    'toggl-async edit $ID --start 8:45 -d "Code review" $STATE' \
    'toggl-async rm $ID $STATE'
shot entries 'toggl-async entries yesterday $STATE'
shot entries-week 'toggl-async entries this week --totals $STATE' \
    'toggl-async entries this week --project website --totals $STATE'
shot entries-piped 'toggl-async entries yesterday $STATE | head -5' \
    'toggl-async entries yesterday --format csv $STATE | head -4' \
    'toggl-async entries this week --format tsv $STATE | awk -F"\t" "NR>1 {print \$6}" | sort | uniq -c'
shot report-weekly 'toggl-async report weekly last week $STATE'
shot report-summary 'toggl-async report summary last week --group-by clients $STATE | head -20'
shot listings 'toggl-async workspaces $STATE' 'toggl-async projects $STATE' 'toggl-async me --json $STATE | head -8'
# sync against the served fake: the progress display is transient, so it is captured while it runs.
ran "clear"; tmux clear-history -t $SESSION
before=$(prompts)
send "toggl-async sync --db $WORK/mirror.sqlite \$SERVED"
best=0
while [ "$(prompts)" -le "$before" ]; do  # keep the frame that shows the most progress bars
    frame=$(tmux capture-pane -t $SESSION -p -S - -E -)
    bars=$(grep -c '━' <<<"$frame" || true)
    if [ "$bars" -ge "$best" ] && [ "$bars" -gt 0 ]; then
        best=$bars
        sed "s/$TOKEN/\$TOKEN/g" <<<"$frame" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$OUT/sync-progress.txt"
    fi
    sleep 0.1
done
echo "$OUT/sync-progress.txt"
settle "$before"
tmux capture-pane -t $SESSION -p -S - -E - | sed "s/$TOKEN/\$TOKEN/g" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' \
    >"$OUT/sync-done.txt"
echo "$OUT/sync-done.txt"
# login: the token is typed at a prompt that does not echo it
ran "clear"; tmux clear-history -t $SESSION
before=$(prompts)
send "(unset TOGGL_API_TOKEN; toggl-async login \$SERVED)"; sleep 3; tmux send-keys -t $SESSION "$TOKEN" Enter; settle "$before"
ran "(unset TOGGL_API_TOKEN; toggl-async me \$SERVED)"
ran 'cat $XDG_CONFIG_HOME/toggl-async/config.toml; ls -l $XDG_CONFIG_HOME/toggl-async'
ran "toggl-async logout"
tmux capture-pane -t $SESSION -p -S - -E - | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$OUT/login.txt"
echo "$OUT/login.txt"
shot errors 'toggl-async entries --since tomorow $STATE; echo "exit $?"' \
    'toggl-async add "Review" 9:00 8:00 $STATE; echo "exit $?"' \
    'toggl-async timer start x --project "No such project" $STATE; echo "exit $?"' \
    'toggl-async timer stop $STATE >/dev/null; toggl-async timer edit -d x $STATE; echo "exit $?"' \
    'toggl-async me --token not-a-token $SERVED; echo "exit $?"' \
    '(unset TOGGL_API_TOKEN; toggl-async me); echo "exit $?"' \
    'toggl-async rm 1 $STATE; echo "exit $?"' \
    'toggl-async report weekly --until 9999-12-31 $STATE; echo "exit $?"' \
    'toggl-async sync --db /no/such/folder/m.sqlite $STATE; echo "exit $?"'
