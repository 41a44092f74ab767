# t/lib/remote.sh: other machines on this one, for t/manager-ssh.sh,
# t/manager-slurm.sh and bench/remote.sh: an sshd, and a SLURM cluster,
# of the caller's own, on 127.0.0.1, every file in a directory it names,
# each daemon stopped by its pid.  Nothing is written under /etc or /run.
#
#	remote_sshd DIR		an sshd on a port of its own, in a mount
#				namespace whose /run is a fresh tmpfs
#				(sshd insists on /run/sshd); DIR/ssh_config
#				reaches it as 127.0.0.1; $remote_port
#	remote_slurm DIR	munged, slurmctld and two slurmd nodes (n1,
#				n2) of 3 CPUs each; SLURM_CONF exported
#	remote_stop		stops every daemon started, by pid
#
# Each returns 1 with $remote_why saying why when it cannot be had (a
# program missing, not root, the daemon not coming up).  The waits for a
# daemon are bounded, a safety net only.
# shellcheck shell=sh disable=SC2034 # remote_why and remote_port: the caller's

remote_pids=

remote_stop() {
	for _p in $remote_pids; do
		kill "$_p" 2>/dev/null
	done
	for _p in $remote_pids; do
		wait "$_p" 2>/dev/null
	done
	remote_pids=
}

# remote_need PROGRAM...: 1, with $remote_why, if one is not there.
remote_need() {
	for _c do
		if ! command -v "$_c" >/dev/null 2>&1 && [ ! -x "$_c" ]; then
			remote_why="no $_c"
			return 1
		fi
	done
}

remote_sshd() {
	_d=$1
	remote_need /usr/sbin/sshd ssh ssh-keygen unshare || return 1
	if ! unshare -m sh -c 'mount -t tmpfs tmpfs /run' >/dev/null 2>&1; then
		remote_why='no mount namespace to give sshd its /run/sshd (not root?)'
		return 1
	fi
	mkdir -p "$_d"
	ssh-keygen -q -t ed25519 -N '' -f "$_d/hostkey" </dev/null
	ssh-keygen -q -t ed25519 -N '' -f "$_d/userkey" </dev/null
	cp "$_d/userkey.pub" "$_d/authorized_keys"
	remote_port=$((20000 + $$ % 10000))
	_try=0
	while [ "$_try" -lt 5 ]; do
		remote_port=$((remote_port + _try * 7))
		cat >"$_d/sshd_config" <<CFG
Port $remote_port
ListenAddress 127.0.0.1
HostKey $_d/hostkey
AuthorizedKeysFile $_d/authorized_keys
PidFile none
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
CFG
		cat >"$_d/ssh_config" <<CFG
Host *
	Port $remote_port
	IdentityFile $_d/userkey
	IdentitiesOnly yes
	UserKnownHostsFile $_d/known_hosts
	StrictHostKeyChecking no
	LogLevel ERROR
CFG
		# shellcheck disable=SC2016 # expanded by the namespace's sh
		unshare -m sh -c 'mount -t tmpfs tmpfs /run &&
		    mkdir -m 0755 /run/sshd && exec "$1" -D -e -f "$2"' \
		    sh /usr/sbin/sshd "$_d/sshd_config" \
		    </dev/null >/dev/null 2>"$_d/sshd.log" &
		_pid=$!
		_i=0
		while [ "$_i" -lt 100 ] && ! ssh -F "$_d/ssh_config" 127.0.0.1 \
		    true </dev/null 2>/dev/null; do
			kill -0 "$_pid" 2>/dev/null || break
			sleep 0.1 2>/dev/null || sleep 1
			_i=$((_i + 1))
		done
		if ssh -F "$_d/ssh_config" 127.0.0.1 true </dev/null \
		    2>/dev/null; then
			remote_pids="$remote_pids $_pid"
			return 0
		fi
		kill "$_pid" 2>/dev/null
		wait "$_pid" 2>/dev/null
		_try=$((_try + 1))
	done
	remote_why="the sshd did not come up: $(head -n 1 "$_d/sshd.log")"
	return 1
}

remote_slurm() {
	_d=$1
	remote_need /usr/sbin/slurmctld /usr/sbin/slurmd /usr/sbin/munged \
	    /usr/sbin/mungekey srun salloc squeue sinfo scancel || return 1
	if [ "$(id -u)" != 0 ]; then
		remote_why='not root: the cluster runs as SlurmUser=root'
		return 1
	fi
	mkdir -p "$_d/m" "$_d/state"
	chmod 711 "$_d/m"	# 0700 and clients cannot reach munged's socket
	if ! /usr/sbin/mungekey --create --keyfile="$_d/munge.key" \
	    >/dev/null 2>&1; then
		remote_why='mungekey could not make a key'
		return 1
	fi
	/usr/sbin/munged --foreground --force --key-file="$_d/munge.key" \
	    --socket="$_d/m/munge.socket" --pid-file="$_d/munged.pid" \
	    --seed-file="$_d/munged.seed" --log-file="$_d/munged.log" \
	    </dev/null >/dev/null 2>&1 &
	remote_pids="$remote_pids $!"
	_host=$(hostname -s 2>/dev/null || hostname)
	_port=$((30000 + $$ % 11000 * 3))
	: >"$_d/plugstack.conf"
	cat >"$_d/slurm.conf" <<CFG
ClusterName=dt$$
SlurmctldHost=$_host(127.0.0.1)
SlurmctldPort=$_port
AuthType=auth/munge
AuthInfo=socket=$_d/m/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$_d/state
SlurmdSpoolDir=$_d/spool-%n
SlurmctldPidFile=$_d/slurmctld.pid
SlurmdPidFile=$_d/slurmd-%n.pid
SlurmctldLogFile=$_d/slurmctld.log
SlurmdLogFile=$_d/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
PlugStackConfig=$_d/plugstack.conf
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmdTimeout=30
SlurmdParameters=config_overrides
KillWait=5
MailProg=/bin/true
NodeName=n1 NodeHostname=$_host NodeAddr=127.0.0.1 Port=$((_port + 1)) CPUs=3
NodeName=n2 NodeHostname=$_host NodeAddr=127.0.0.1 Port=$((_port + 2)) CPUs=3
PartitionName=p Nodes=n1,n2 Default=YES MaxTime=INFINITE State=UP
CFG
	SLURM_CONF=$_d/slurm.conf
	export SLURM_CONF
	/usr/sbin/slurmctld -D -i -f "$SLURM_CONF" </dev/null \
	    >"$_d/ctld.out" 2>&1 &
	remote_pids="$remote_pids $!"
	for _n in n1 n2; do
		/usr/sbin/slurmd -D -f "$SLURM_CONF" -N "$_n" </dev/null \
		    >"$_d/$_n.out" 2>&1 &
		remote_pids="$remote_pids $!"
	done
	_i=0
	while [ "$_i" -lt 120 ] &&
	    [ "$(sinfo -h -o '%T %D' 2>/dev/null)" != 'idle 2' ]; do
		sleep 0.5 2>/dev/null || sleep 1
		_i=$((_i + 1))
	done
	[ "$(sinfo -h -o '%T %D' 2>/dev/null)" = 'idle 2' ] && return 0
	remote_why="the SLURM cluster did not come up: $(tail -n 1 "$_d/ctld.out")"
	return 1
}
