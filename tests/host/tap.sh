# SPDX-License-Identifier: GPL-2.0
#
# tap.sh - the TAP counter the shell tests in tests/host share: source it,
# then "ok STATUS DESCRIPTION" prints one result line; $n counts them and
# $failed the failures.
n=0
failed=0
ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [[ $1 == 0 ]]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}
