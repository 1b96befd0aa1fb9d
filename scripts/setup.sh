#!/usr/bin/env bash
# Install the system packages Kiln's build needs, and only those that are missing.
#
# Faiss (built from source by faiss-sys) needs cmake >= 3.24, a C++ compiler, OpenMP, BLAS and
# LAPACK; RocksDB's bindings need libclang for bindgen; the Python binding needs python3 with
# venv and libpython. On Debian and Ubuntu the missing packages
# are installed with apt-get (through sudo when not root). Elsewhere this script prints what to
# install by hand and fails.
set -euo pipefail

need_pkgs=()

have_cmd() { command -v "$1" >/dev/null 2>&1; }

# cmake: faiss-sys requires 3.24 or newer.
cmake_ok() {
  have_cmd cmake || return 1
  local v
  v=$(cmake --version | head -n1 | awk '{print $3}')
  [ "$(printf '%s\n3.24.0\n' "$v" | sort -V | head -n1)" = "3.24.0" ]
}

dpkg_has() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

if have_cmd dpkg-query; then
  cmake_ok || need_pkgs+=(cmake)
  have_cmd c++ || need_pkgs+=(build-essential)
  dpkg_has libopenblas-dev || need_pkgs+=(libopenblas-dev)
  dpkg_has liblapack-dev || need_pkgs+=(liblapack-dev)
  dpkg_has libclang-dev || need_pkgs+=(libclang-dev)
  have_cmd clang || dpkg_has clang || true
  # The Python binding (make python-test): python3 with venv, and libpython's shared library,
  # which plain cargo builds of the workspace link (pyenv and other self-built Pythons have
  # both; Debian's python3 needs python3-venv and python3-dev).
  if ! have_cmd python3; then
    need_pkgs+=(python3 python3-venv python3-dev)
  else
    python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_pkgs+=(python3-venv)
    python3 -c 'import os, sys, sysconfig as s
lib = os.path.join(s.get_config_var("LIBDIR") or "", s.get_config_var("LDLIBRARY") or "")
sys.exit(0 if os.path.exists(lib) else 1)' >/dev/null 2>&1 || need_pkgs+=(python3-dev)
  fi
else
  cmake_ok || need_pkgs+=(cmake)
  have_cmd c++ || need_pkgs+=(c++)
fi

if [ ${#need_pkgs[@]} -eq 0 ]; then
  if ! cmake_ok; then
    echo "setup: cmake >= 3.24 is required (found: $(cmake --version 2>/dev/null | head -n1))." >&2
    echo "setup: install a newer one, e.g. 'pip install cmake'." >&2
    exit 1
  fi
  exit 0
fi

if have_cmd apt-get; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    if have_cmd sudo; then sudo_cmd=(sudo); else
      echo "setup: need root or sudo to run: apt-get install ${need_pkgs[*]}" >&2
      exit 1
    fi
  fi
  echo "setup: installing missing packages: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
  if ! cmake_ok; then
    # Ubuntu 22.04 ships cmake 3.22, too old for Faiss 1.12; PyPI has a current one.
    echo "setup: the distribution's cmake is older than 3.24; installing cmake from PyPI"
    if have_cmd pip3; then pip3 install --user -q 'cmake>=3.24'; else
      echo "setup: install cmake >= 3.24 by hand (e.g. 'pip install cmake')" >&2; exit 1
    fi
    export PATH="$HOME/.local/bin:$PATH"
    cmake_ok || { echo "setup: cmake >= 3.24 still not found on PATH (add ~/.local/bin)" >&2; exit 1; }
  fi
  exit 0
fi

cat >&2 <<MSG
setup: this system has no apt-get. Install by hand, then run make again:
  - cmake >= 3.24
  - a C++17 compiler with OpenMP (gcc/g++ or clang with libomp)
  - BLAS and LAPACK development files (e.g. OpenBLAS)
  - libclang (for bindgen)
  Fedora:  dnf install cmake gcc-c++ openblas-devel lapack-devel clang-devel
  Arch:    pacman -S cmake gcc openblas lapack clang
  macOS:   brew install cmake libomp openblas llvm
missing here: ${need_pkgs[*]}
MSG
exit 1
