#!/bin/sh
# The guest's workload (issue 22: what a Linux client needs of a 9P server).
# Mounts the host's server with the kernel's own client, runs each step in a
# process of its own under a watchdog, and reports on the console:
#
#   @@ plan steps=mount,untar,...        the steps to expect, first
#   @@ step=NAME status=ok|fail|timeout|skipped rc=N secs=S [mbps=M] msg=TEXT
#   @@ info mount=LINE                   the 9p line of /proc/mounts
#   @@ end                               the workload ran to its end
#
# msg is the last line the step printed (its error, when it failed); mbps
# (dd steps that passed) is GUEST_MB over the step's seconds. Settings, from
# init.sh: GUEST_PORT, GUEST_ANAME, GUEST_CACHE (none, loose, ...),
# GUEST_ENTRIES (files in the big directory), GUEST_MB (dd size),
# GUEST_TIMEOUT (seconds a step may take before it is killed).
#
# Each step works in a directory of its own, /mnt/work/NAME, on input from
# /input (the host's tree as a tarball, with its md5 sums, hard links and
# symlinks listed; cp-a copies a local unpacking of it), so that one step's
# failure does not fail the next. The exceptions need another step's
# result and say so: md5sum reads untar's files, dir-list and dir-remove
# dir-create's directory, dd-read dd-write's file.
#
# Run by init as `sh /workload.sh`; it runs each step as `workload.sh step NAME`.

set -u
MNT=/mnt
WORK=$MNT/work
IN=/input
SRC=/tmp/src
STEPS="mount untar md5sum cp-a mv ln ln-s mkfifo unlink-open rename-over dir-create dir-list dir-remove dd-write dd-read fsx fsstress flock xattr sync umount"

fail() {
  echo "$*" >&2
  exit 1
}

# same ACTUAL EXPECTED WHAT
same() {
  [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

# The host's sums of the tree's regular files (one name per inode: the
# hard links are checked by check_links), checked under directory $1.
check_sums() {
  (cd "$1" && md5sum -c "$IN/tree.md5") > /tmp/sums.out 2>&1 || {
    grep -v ': OK$' /tmp/sums.out | tail -n 5 >&2
    fail "md5sum -c: $(grep -vc ': OK$' /tmp/sums.out) of $(wc -l < "$IN/tree.md5") files differ or are missing"
  }
}

check_links() {
  while read -r first second; do
    [ "$1/$first" -ef "$1/$second" ] || fail "$second is not a hard link of $first"
  done < "$IN/tree.links"
}

check_symlinks() {
  while read -r link target; do
    [ -L "$1/$link" ] || fail "$link is not a symlink"
    same "$(readlink "$1/$link")" "$target" "readlink $link"
  done < "$IN/tree.symlinks"
}

step_mount() {
  mount -t 9p -o "trans=tcp,port=$GUEST_PORT,version=9p2000.L,cache=$GUEST_CACHE,aname=$GUEST_ANAME" 10.0.2.2 "$MNT"
  mkdir -p "$WORK"
}

step_untar() {
  tar -xf "$IN/tree.tar"
  check_links .
  check_symlinks .
}

# In untar's directory.
step_md5sum() {
  check_sums .
}

step_cp_a() {
  cp -a "$SRC/tree" .
  check_sums .
  check_links .
  check_symlinks .
}

step_mv() {
  echo one > a
  mkdir d e
  mv a b
  [ ! -e a ] || fail "a still there after mv a b"
  mv b d/b
  mv d e/d
  [ ! -e d ] || fail "d still there after mv d e/d"
  same "$(cat e/d/b)" one "e/d/b after mv a b; mv b d/b; mv d e/d"
}

step_ln() {
  echo data > f
  ln f g
  same "$(stat -c %h f)" 2 "link count of f after ln f g"
  echo more >> g
  same "$(tail -n 1 f)" more "last line of f after appending to g"
  rm f
  same "$(head -n 1 g)" data "g after rm f"
  same "$(stat -c %h g)" 1 "link count of g after rm f"
}

step_ln_s() {
  echo x > target
  ln -s target s
  same "$(readlink s)" target "readlink s"
  same "$(cat s)" x "cat s"
  # Over 60 bytes: ext2 keeps it in a block of its own, not in the inode.
  long="$(printf '%090d' 0)/target"
  ln -s "$long" long
  same "$(readlink long)" "$long" "readlink of a 97-byte target"
  ln -s missing dangling
  [ -L dangling ] && [ ! -e dangling ] || fail "dangling is not a dangling symlink"
}

step_mkfifo() {
  mkfifo p
  [ -p p ] || fail "p is not a fifo after mkfifo p"
  timeout 10 sh -c 'echo through > p' &
  read -r line < p
  same "$line" through "read from the fifo"
  wait
}

step_unlink_open() {
  echo kept > f
  exec 3< f
  rm f
  [ ! -e f ] || fail "f still there after rm f"
  same "$(cat <&3)" kept "f read through a descriptor opened before rm f"
  exec 3<&-
}

step_rename_over() {
  echo new > a
  echo old > b
  mv -f a b
  [ ! -e a ] || fail "a still there after mv -f a b"
  same "$(cat b)" new "b after mv -f a b"
  mkdir x y
  echo in > x/f
  mv -T x y
  [ ! -e x ] || fail "x still there after mv -T x y"
  same "$(cat y/f)" in "y/f after mv -T x y (y empty)"
}

step_dir_create() {
  mkdir d
  i=0
  while [ "$i" -lt "$GUEST_ENTRIES" ]; do
    : > "d/f$i"
    i=$((i + 1))
  done
}

# In dir-create's directory.
step_dir_list() {
  n=$(ls d | wc -l)
  same "$((n))" "$GUEST_ENTRIES" "entries ls lists"
  ls -l d > /dev/null
  [ -e "d/f$((GUEST_ENTRIES - 1))" ] || fail "d/f$((GUEST_ENTRIES - 1)) not found"
}

# In dir-create's directory.
step_dir_remove() {
  rm -r d
  [ ! -e d ] || fail "d still there after rm -r d"
}

step_dd_write() {
  dd if=/dev/zero of=big bs=1M count="$GUEST_MB" conv=fsync 2> /tmp/dd.out || fail "$(cat /tmp/dd.out)"
  same "$(stat -c %s big)" "$((GUEST_MB * 1048576))" "size of the file dd wrote"
}

step_dd_read() {
  # What the guest caches (cache=loose) must not stand in for the server.
  echo 3 > /proc/sys/vm/drop_caches
  dd if="$WORK/dd-write/big" of=/dev/null bs=1M 2> /tmp/dd.out || fail "$(cat /tmp/dd.out)"
  grep -q "^$GUEST_MB+0 records in" /tmp/dd.out || fail "dd read $(head -n 1 /tmp/dd.out), expected $GUEST_MB+0 records"
}

# fsx-like (exercises.ts wrote the script): random writes, truncates and
# checked reads of one file, which stays behind for the host to check.
step_fsx() {
  . "$IN/fsx.sh"
}

# fsstress-like: two processes at once on names of their own in this
# directory; each checks what it should have left, which stays behind.
step_fsstress() {
  sh -ec ". $0 functions; . $IN/fsstress0.sh" > /tmp/fsstress0.out 2>&1 &
  p0=$!
  sh -ec ". $0 functions; . $IN/fsstress1.sh" > /tmp/fsstress1.out 2>&1 &
  p1=$!
  rc0=0
  wait "$p0" || rc0=$?
  rc1=0
  wait "$p1" || rc1=$?
  [ "$rc0" -eq 0 ] || fail "process 0: $(tail -n 1 /tmp/fsstress0.out)"
  [ "$rc1" -eq 0 ] || fail "process 1: $(tail -n 1 /tmp/fsstress1.out)"
}

step_flock() {
  : > lock
  flock -x lock true
  # With the lock held by another process, a try must be refused (flock -n
  # exits with -E's code on a conflict), and granted once that one is done.
  flock -x lock sleep 3 &
  sleep 1
  rc=0
  flock -n -E 99 lock true || rc=$?
  same "$rc" 99 "flock -n's exit while another process held the lock"
  wait $!
  flock -n lock true
}

step_xattr() {
  echo data > f
  setfattr -n user.mime_type -v text/plain f
  same "$(getfattr --only-values -n user.mime_type f)" text/plain "user.mime_type read back"
  long=$(printf '%0600d' 7)
  setfattr -n user.long -v "$long" f
  same "$(getfattr --only-values -n user.long f)" "$long" "a 600-byte value read back"
  same "$(getfattr -m '^user\.' f | grep '^user\.' | sort | tr '\n' ' ')" "user.long user.mime_type " "the names getfattr lists"
  setfattr -x user.mime_type f
  if getfattr -n user.mime_type f > /dev/null 2>&1; then fail "user.mime_type still there after setfattr -x"; fi
  mkdir d
  setfattr -n user.dir -v yes d
  same "$(getfattr --only-values -n user.dir d)" yes "a directory's attribute read back"
}

step_sync() {
  echo data > f
  sync
  sync f
  sync -f f
}

step_umount() {
  umount "$MNT"
}

now() {
  read -r up _ < /proc/uptime
  echo "$up"
}

# Runs step $1 in a session of its own, so that the watchdog can kill it
# and whatever it started, and prints its result line.
run_step() {
  name=$1
  log=/tmp/log.$name
  fired=/tmp/fired.$name
  start=$(now)
  setsid sh "$0" step "$name" > "$log" 2>&1 < /dev/null &
  pid=$!
  (sleep "$GUEST_TIMEOUT" && : > "$fired" && kill -KILL -"$pid") 2> /dev/null &
  dog=$!
  rc=0
  wait "$pid" || rc=$?
  end=$(now)
  kill "$dog" 2> /dev/null
  if [ -e "$fired" ]; then
    status=timeout
  elif [ "$rc" -eq 0 ]; then
    status=ok
  else
    status=fail
  fi
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  rate=
  case $name in
    dd-*) [ "$status" = ok ] && rate=" mbps=$(awk -v mb="$GUEST_MB" -v s="$secs" 'BEGIN { printf "%.1f", mb / s }')" ;;
  esac
  echo "@@ step=$name status=$status rc=$rc secs=$secs$rate msg=$(grep -v '^$' "$log" | tail -n 1 | cut -c 1-200)"
  [ "$status" = ok ]
}

# fsstress's processes take fail and same from here.
[ "${1:-}" = functions ] && return 0

if [ "${1:-}" = step ]; then
  set -e
  name=$2
  case $name in
    mount | umount) ;;
    md5sum) cd "$WORK/untar" ;;
    dir-list | dir-remove) cd "$WORK/dir-create" ;;
    *)
      mkdir "$WORK/$name"
      cd "$WORK/$name"
      ;;
  esac
  "step_$(echo "$name" | tr - _)"
  exit 0
fi

mkdir -p "$SRC"
tar -xf "$IN/tree.tar" -C "$SRC"
echo "@@ plan steps=$(echo $STEPS | tr ' ' ,)"
mounted=no
for step in $STEPS; do
  if [ "$step" != mount ] && [ "$mounted" = no ]; then
    # Without the mount the steps would run on the guest's own RAM disk.
    echo "@@ step=$step status=skipped rc=0 secs=0 msg=not mounted"
    continue
  fi
  if run_step "$step" && [ "$step" = mount ]; then
    mounted=yes
    echo "@@ info mount=$(grep " $MNT 9p " /proc/mounts)"
  fi
done
echo "@@ end"
