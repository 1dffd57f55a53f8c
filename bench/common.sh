# Sourced by the bench scripts, from the repository root: picks the build
# folder and the corpus (d365 when ../shared has it, else content/) and
# builds kb in RelWithDebInfo. Sets: build, corpus.
build=${KB_BUILD_DIR:-build}
corpus=${KB_CORPUS:-../shared/data/corpora/d365}
if [ ! -d "$corpus" ]; then
  echo "corpus $corpus absent; using content/" >&2
  corpus=content
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" >/dev/null
