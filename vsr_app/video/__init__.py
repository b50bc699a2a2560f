"""Video files in and out: video I/O lives here (distill/degrade.py and classic_interp.py also drive FFmpeg
through PyAV).

reader.py    streaming decode -> RGB uint8 frames + timestamps, metadata, readable errors
writer.py    encode, atomic output (temp file + rename), never overwrites the input
encoding.py  codecs, CRF/preset checks, the record of what made an output
carried.py   the source's audio, subtitles, fonts, timecode and tags, carried into the output; what is not kept, noted
tags.py      the source's container and stream tags as an output's muxer keeps them; what it would drop, noted
subtitles.py  text subtitles converted to the codec the output's container holds
output_paths.py  refusing bad targets, names within the disk's limit, temporary files of unfinished writes
verify.py    is an existing output a finished result of its input (packet counts and time spans)
scenecut.py  shot-boundary detection on the frame stream
limits.py    up-front refusal of jobs too large for the encoder or the free memory, or too fast for .mkv's clock
disk_space.py  while a job runs: a warning when its output, projected from its growth, will not fit on the disk
deinterlace.py  interlaced pictures found (FFmpeg's idet) and deinterlaced (bwdif) as they are decoded
pipeline.py  decode -> interpolate/upscale -> encode on threads with bounded queues, progress, cancel
"""
