#!/usr/bin/env bash
# Installs what wgcl's demo and tests need on Debian 12 when it is missing:
# lavapipe (CPU Vulkan) for machines without a GPU, the Khronos OpenCL headers, the ICD
# loader, clinfo, PoCL (a CPU OpenCL to compare behaviour against), valgrind, g++ (libFuzzer),
# and python3 with venv (the pyopencl client test and the CTS runner).
set -euo pipefail
pkgs=(mesa-vulkan-drivers libvulkan1 opencl-headers ocl-icd-opencl-dev ocl-icd-libopencl1 clinfo pocl-opencl-icd valgrind gcc g++ pkg-config python3 python3-venv)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
