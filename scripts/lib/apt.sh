# Sourced by the scripts that install Debian packages.
#
#   apt_install PACKAGE...   installs those of PACKAGE... that are missing, as root or through
#                            password-less sudo; without either it prints the command an
#                            administrator must run and fails.
#   need_commands NAME...    makes sure each NAME works, installing the Debian package of that
#                            name only when it does not; when that cannot be done, says in one
#                            line what is missing and how to get it, and fails. NAME is a
#                            command (unzip, g++, npm) or python3-venv / python3-pip (a
#                            `python3 -m venv` that can install pip / `python3 -m pip`).

apt_missing() { # apt_missing PACKAGE... : prints the packages that are not installed
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || echo "$package"
  done
}

as_root() { # as_root COMMAND... : runs COMMAND as root (directly or by password-less sudo); 126 if neither
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 126
  fi
}

apt_get_install() { # apt_get_install PACKAGE... : apt-get update + install, as root
  echo "$(basename "$0"): installing $*"
  as_root apt-get update -qq &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

apt_install() { # apt_install PACKAGE...
  local missing
  mapfile -t missing < <(apt_missing "$@")
  ((${#missing[@]})) || return 0
  if ! as_root true 2>/dev/null; then
    cat >&2 <<MSG
$(basename "$0"): these Debian packages are missing: ${missing[*]}
$(basename "$0"): installing them needs root, and this user is neither root nor allowed sudo
$(basename "$0"): without a password. Ask an administrator to run, once:

    apt-get update && apt-get install -y --no-install-recommends ${missing[*]}

$(basename "$0"): then run this command again (it installs nothing that is already there).
MSG
    return 1
  fi
  apt_get_install "${missing[@]}"
}

command_works() { # command_works NAME : whether NAME can be used now
  case "$1" in
    # Debian's python3 has the venv module but no ensurepip (so no venv with pip in it)
    # until python3-venv is installed.
    python3-venv) python3 -c 'import ensurepip, venv' >/dev/null 2>&1 ;;
    python3-pip) python3 -m pip --version >/dev/null 2>&1 ;;
    *) command -v "$1" >/dev/null ;;
  esac
}

need_commands() { # need_commands NAME...
  local name missing=()
  for name in "$@"; do
    command_works "$name" || missing+=("$name")
  done
  ((${#missing[@]})) || return 0
  for name in "${missing[@]}"; do
    # Node.js from NodeSource ships its own npm and conflicts with Debian's npm package:
    # with a node but no npm, apt could only fail.
    if [ "$name" = npm ] && command -v node >/dev/null; then
      echo "$(basename "$0"): npm is missing beside $(command -v node): install the npm of that Node.js (NodeSource's nodejs package ships it), then run this again" >&2
      return 1
    fi
  done
  if as_root true 2>/dev/null; then
    apt_get_install "${missing[@]}" >&2 || true
  fi
  local still=()
  for name in "${missing[@]}"; do
    command_works "$name" || still+=("$name")
  done
  ((${#still[@]})) || return 0
  echo "$(basename "$0"): missing ${still[*]}: install them (as root: apt-get install -y ${still[*]}), then run this again" >&2
  return 1
}
