# The first program the host runs (passed to `python3 -I -S -c`): check the Python version, receive the
# bundle (cached under /var/cache/fgtha by its SHA-256, compiled once per Python version), then serve.
# Plain Python 3 syntax on purpose (no f-strings, no annotations), so an old python3 can say it is too old.
import sys


def say(message):
    import json

    sys.stdout.buffer.write(json.dumps(message).encode() + b"\n")
    sys.stdout.buffer.flush()


def main():
    import platform

    version = platform.python_version()
    if sys.version_info < (3, 9):
        say(
            {
                "ok": False,
                "python": version,
                "error": "python3 is %s; the host side needs Python 3.9 or newer" % version,
            }
        )
        return 3
    import hashlib
    import importlib.util
    import io
    import marshal
    import os
    import time
    import zipfile

    sha, ssh_connection = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "")
    cache = "/var/cache/fgtha"
    os.makedirs(cache, mode=0o700, exist_ok=True)
    compiled = os.path.join(cache, "bundle-%s-%s.zip" % (sha, sys.implementation.cache_tag))
    need = not os.path.exists(compiled)
    if not need:
        os.utime(compiled)  # in use: the clean-up below, run by another version of the project, keeps it
    say({"ok": True, "loader": 1, "python": version, "need_bundle": need})
    if need:
        size = int(sys.stdin.buffer.readline())
        data = sys.stdin.buffer.read(size)
        if len(data) != size or hashlib.sha256(data).hexdigest() != sha:
            say({"ok": False, "error": "the bundle arrived damaged (size or SHA-256 differs)"})
            return 4
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for name in source.namelist():
                text = source.read(name)
                if name.endswith(".py"):  # zipimport never writes bytecode: compile every module once, here
                    code = compile(text, "fgtha-bundle/" + name, "exec", dont_inherit=True)
                    header = importlib.util.MAGIC_NUMBER + b"\0" * 8 + len(text).to_bytes(4, "little")
                    target.writestr(name + "c", header + marshal.dumps(code))
                else:
                    target.writestr(name, text)
        temporary = "%s.%d.tmp" % (compiled, os.getpid())
        with open(temporary, "wb") as f:
            f.write(out.getvalue())
        os.replace(temporary, compiled)
        # Bundles of other versions of the project go once unused for a week. Not sooner: another session may
        # be running one now, and zipimport reads its modules from the file by name as they are imported.
        unused_since = time.time() - 7 * 86400
        for old in os.listdir(cache):
            if old.startswith("bundle-") and not old.startswith("bundle-%s-" % sha):
                path = os.path.join(cache, old)
                try:
                    if os.stat(path).st_mtime < unused_since:
                        os.unlink(path)
                except OSError:
                    pass
    sys.path.insert(0, compiled)
    from fgtha.remote.server import serve

    return serve(sys.stdin.buffer, sys.stdout.buffer, ssh_connection)


sys.exit(main())
