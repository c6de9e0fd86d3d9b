"""assets/samples/lecture.ipynb: run again with Debian's nbconvert, every output is what the
notebook keeps (text and the HTML tables exactly; pictures of the same kind)."""
import json
import os
import shutil
import subprocess
import sys

from conftest import BUILD, ROOT

NOTEBOOK = os.path.join(ROOT, "assets", "samples", "lecture.ipynb")


def outputs(nb):
    """Per code cell, its outputs as comparable text: stream text, text/plain of
    results (pictures only by their MIME types) and text/html."""
    got = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        outs = []
        for o in cell.get("outputs", []):
            if o["output_type"] == "stream":
                outs.append(("stream", "".join(o["text"])))
            elif o["output_type"] in ("execute_result", "display_data"):
                data = o["data"]
                pictures = sorted(k for k in data if k.startswith("image/"))
                if pictures:
                    outs.append(("picture", tuple(pictures)))
                else:
                    outs.append(("text", "".join(data.get("text/plain", ""))))
                if "text/html" in data:
                    outs.append(("html", "".join(data["text/html"])))
            else:
                outs.append((o["output_type"], o.get("ename"), o.get("evalue")))
        got.append(outs)
    return got


def test_notebook_outputs_are_what_running_it_gives(tmp_path):
    kept = json.load(open(NOTEBOOK))
    shutil.copy(NOTEBOOK, tmp_path / "lecture.ipynb")
    env = dict(os.environ, PYTHONPATH=os.path.join(BUILD, "python"), PYDEVD_DISABLE_FILE_VALIDATION="1")
    subprocess.run([sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute",
                    "--ExecutePreprocessor.timeout=600", "lecture.ipynb", "--output", "ran.ipynb"],
                   cwd=str(tmp_path), env=env, check=True, capture_output=True)
    ran = json.load(open(tmp_path / "ran.ipynb"))
    want, got = outputs(kept), outputs(ran)
    assert len(want) == len(got)
    for i, (w, g) in enumerate(zip(want, got)):
        assert w == g, "code cell %d" % (i + 1)
    flat = [o for outs in got for o in outs]
    # The lecture's answers are there: Out[96], Out[106], the table of Out[122].
    assert ("text", "13") in flat and ("text", "(1, 2, 3)") in flat
    assert any(kind == "html" and "141 Tasks" in text and "76.29 MiB" in text for kind, text in
               [o[:2] for o in flat])
    assert sum(1 for o in flat if o[0] == "picture") == 5
    assert (tmp_path / "transpose.svg").exists() and (tmp_path / "profile.html").exists()
