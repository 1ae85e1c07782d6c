#!/bin/bash
# apt-extra.sh: run apt-get against a private configuration under build/apt
# that adds the trixie, trixie-backports and sid suites (binary and source,
# amd64 and arm64) without changing the machine's own apt setup. The mirror
# URI is read from the machine's apt sources, never written here.
#
# The mirror may be a dated snapshot whose sid Release file is past its
# Valid-Until date: its signatures are checked, its age is not.
#
# usage: apt-extra.sh DIR mirror | update | download PKG... | source PKG...
set -euo pipefail

dir=$(realpath -m "$1"); shift
cmd=$1; shift

mirror_uri() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# deb822: the first URIs line whose suites name bookworm/trixie.
		uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ && u != "" && /(bookworm|trixie)( |$)/ {print u; exit}' "$f")
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		uri=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' "$f")
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	echo "apt-extra: no Debian mirror found in the apt sources" >&2
	exit 1
}

opts=(-o "Dir::Etc::SourceList=$dir/sources.list"
      -o "Dir::Etc::SourceParts=$dir/parts.d"
      -o "Dir::Etc::Preferences=$dir/preferences"
      -o "Dir::Etc::PreferencesParts=$dir/parts.d"
      -o "Dir::State=$dir/state"
      -o "Dir::Cache=$dir/cache"
      -o "APT::Architectures::=amd64"
      -o "APT::Architectures::=arm64"
      -o "Acquire::Languages=none"
      -o "Acquire::Check-Valid-Until=false"
      -o "Debug::NoLocking=1")

setup() {
	local uri
	uri=$(mirror_uri)
	mkdir -p "$dir/parts.d" "$dir/state/lists/partial" "$dir/cache/archives/partial"
	: > "$dir/preferences"
	cat > "$dir/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie-backports main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri sid main
SRC
}

case "$cmd" in
mirror)
	mirror_uri
	;;
update)
	setup
	apt-get "${opts[@]}" -q update
	;;
download)
	apt-get "${opts[@]}" -q download "$@"
	;;
source)
	apt-get "${opts[@]}" -q --only-source --download-only source "$@"
	;;
*)
	echo "usage: $0 DIR update|download|source ..." >&2
	exit 2
	;;
esac
