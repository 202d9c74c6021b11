# Shared by bin/detect and bin/build (sourced, not executed): run one phase of cnb_python with
# an interpreter isolated from the app.
#
# Interpreter lookup:
#   1. $CNB_BUILDPACK_DIR/runtime/bin/python3, the interpreter a packaged buildpack carries;
#   2. the first python3 on PATH that can import our dependencies (a source checkout, with the
#      dependencies installed for that python3 or vendored under vendor/). bin/_boot.py does
#      the check inside the interpreter it starts and hands over to the next candidate itself.
# The app's own Python lives in a layer and never runs the buildpack, and this interpreter is
# never put on any path the app sees.

cnb_python_phase() {
    # This file's directory, absolute, without forking (dirname and $(...) cost a millisecond
    # each, and detect runs on every build).
    local bin_dir="${BASH_SOURCE[0]%/*}"
    [[ "$bin_dir" != "${BASH_SOURCE[0]}" ]] || bin_dir=.
    [[ "$bin_dir" == /* ]] || bin_dir="${PWD}/${bin_dir}"
    local bundled="${bin_dir}/../runtime/bin/python3"
    if [[ -x "$bundled" ]]; then
        # A runtime with a shared libpython and no rpath (Heroku's layout, or an operator's own
        # build) finds it through LD_LIBRARY_PATH. The value is only for the loader of this one
        # process: _boot.py puts the original back before anything runs, so neither the build
        # nor anything it starts ever sees the buildpack's interpreter.
        if [[ -v LD_LIBRARY_PATH ]]; then
            export CNB_PYTHON_SAVED_LD_LIBRARY_PATH="=${LD_LIBRARY_PATH}"
        else
            export CNB_PYTHON_SAVED_LD_LIBRARY_PATH=""
        fi
        # -B: a package never writes into itself. Under the lifecycle its directory is
        # read-only anyway; anywhere else (a test harness, `pack build --buildpack DIR` run
        # as root) pycs would change the tree that was shipped and checked.
        LD_LIBRARY_PATH="${bin_dir}/../runtime/lib${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}" \
            exec "$bundled" -I -B "${bin_dir}/_boot.py" "" "$@"
    fi

    local -a candidates=()
    mapfile -t candidates < <(type -ap python3)
    if ((${#candidates[@]} == 0)); then
        cat >&2 <<MESSAGE
ERROR: No Python interpreter can run the cnb-python buildpack

  The buildpack has no bundled interpreter (runtime/bin/python3) and there is no python3 on
  PATH (${PATH:-empty}).

  How to fix:
  - Package the buildpack with its own interpreter: cnb-python package --arch amd64 --out DIR,
    then use DIR (or the package built from DIR/package.toml) with pack or kpack.
MESSAGE
        exit 1
    fi
    local rest
    rest="$(IFS=:; echo "${candidates[*]:1}")"
    exec "${candidates[0]}" -I "${bin_dir}/_boot.py" "$rest" "$@"
}
