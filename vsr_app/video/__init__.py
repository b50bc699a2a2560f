"""Video files in and out (the only place PyAV is used).

reader.py    streaming decode -> RGB uint8 frames + timestamps, metadata, readable errors
writer.py    encode + audio/subtitle carry-over, atomic output, never overwrites the input
scenecut.py  shot-boundary detection on the frame stream
pipeline.py  decode -> interpolate/upscale -> encode on threads with bounded queues, progress, cancel
"""
