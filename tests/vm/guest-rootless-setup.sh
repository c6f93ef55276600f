#!/bin/sh
# As root in the VM: make an unprivileged user with subordinate id ranges and a delegated
# cgroup subtree (what systemd's user@.service gives a login session), then run
# guest-rootless.sh as that user. /etc is the VM's tmpfs overlay: the host's files are untouched.
set -eu
build=$1
here=$(dirname "$0")
uid=1500
user=vmuser

echo "$user:x:$uid:$uid:sandbox vm test user:/home/$user:/bin/sh" >> /etc/passwd
echo "$user:x:$uid:" >> /etc/group
echo "$user:!:19000:0:99999:7:::" >> /etc/shadow
echo "$user:100000:65536" >> /etc/subuid
echo "$user:100000:65536" >> /etc/subgid
mkdir -p "/home/$user" "/run/user/$uid"
chown "$uid:$uid" "/home/$user" "/run/user/$uid"
chmod 700 "/run/user/$uid"

# Delegation: controllers enabled from the root down to the user's subtree, the subtree owned
# by the user, and the user's shell in a leaf of it (a process may move itself only between
# groups it can write, so root puts it there, as systemd does for user@UID.service).
cg=/sys/fs/cgroup
echo "+memory +pids +cpu" > "$cg/cgroup.subtree_control"
mkdir "$cg/user"
echo "+memory +pids +cpu" > "$cg/user/cgroup.subtree_control"
mkdir "$cg/user/shell"
chown -R "$uid:$uid" "$cg/user"

as_user() {
    setpriv --reuid "$uid" --regid "$uid" --clear-groups \
        env -i PATH="$PATH" HOME="/home/$user" USER="$user" LOGNAME="$user" LANG=C.UTF-8 \
        XDG_RUNTIME_DIR="/run/user/$uid" SANDBOX_ROOTFS="$build/rootfs" \
        sh "$here/guest-rootless.sh" "$build" "$1"
}

# First from a root-owned group (a login session without delegation): no cgroup for the
# sandbox; limits are refused with a hint, a profile without them runs.
mkdir "$cg/session"
echo $$ > "$cg/session/cgroup.procs"
as_user undelegated || undelegated_failed=$?

echo $$ > "$cg/user/shell/cgroup.procs"
as_user delegated || exit $(( $? + ${undelegated_failed:-0} ))
exit "${undelegated_failed:-0}"
