#!/usr/bin/env bash
# Installs the system packages recbench needs, if any is missing. Safe to run again.
#   libopenblas-dev  BLAS/LAPACK for dense kernels
#   libsqlite3-dev   the results ledger (through GRDB)
#   libgnuplot-iostream-dev  brings gnuplot, which draws the report charts
#   libxgboost-dev   XGBoost's C API, the TwoStage plugin's learning-to-rank re-ranker
set -euo pipefail
packages=(libopenblas-dev libsqlite3-dev libgnuplot-iostream-dev libxgboost-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "error: need root (or sudo) to install ${missing[*]}; run: apt-get install ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
