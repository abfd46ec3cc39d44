#!/usr/bin/env bash
# System packages the project needs beyond pip: bubblewrap (the grading sandbox) and Debian's
# chromium (the real-browser test). Installs what is missing when it can (root + apt);
# otherwise says what is missing and how the project degrades, and succeeds.
set -u
packages=()
command -v bwrap >/dev/null 2>&1 || packages+=(bubblewrap)
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
[ ${#packages[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get install -y -q --no-install-recommends "${packages[@]}" >/tmp/course-apt.log 2>&1 \
     || { apt-get update -q >>/tmp/course-apt.log 2>&1 && \
          apt-get install -y -q --no-install-recommends "${packages[@]}" >>/tmp/course-apt.log 2>&1; }; then
    exit 0
  fi
  echo "warning: could not install ${packages[*]} (see /tmp/course-apt.log)." >&2
else
  echo "warning: missing system packages: ${packages[*]} (install them with your package manager)." >&2
fi
echo "warning: without bubblewrap the grader uses rlimits only; without chromium the browser test skips." >&2
exit 0
