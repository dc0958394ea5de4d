# Sourced by the scripts that install Debian packages: `apt_install PACKAGE...` installs those
# of PACKAGE... that are missing, as root or through password-less sudo; without either it
# prints the command an administrator must run and fails.

apt_missing() { # apt_missing PACKAGE... : prints the packages that are not installed
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || echo "$package"
  done
}

apt_install() { # apt_install PACKAGE...
  local missing
  mapfile -t missing < <(apt_missing "$@")
  ((${#missing[@]})) || return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null || ! sudo -n true 2>/dev/null; then
      cat >&2 <<MSG
$(basename "$0"): these Debian packages are missing: ${missing[*]}
$(basename "$0"): installing them needs root, and this user is neither root nor allowed sudo
$(basename "$0"): without a password. Ask an administrator to run, once:

    apt-get update && apt-get install -y --no-install-recommends ${missing[*]}

$(basename "$0"): then run this command again (it installs nothing that is already there).
MSG
      return 1
    fi
    sudo=(sudo -n)
  fi
  echo "$(basename "$0"): installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
