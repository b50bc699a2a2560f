"""Video files in and out: video I/O lives here (distill/degrade.py and classic_interp.py also drive FFmpeg
through PyAV).

reader.py    streaming decode -> RGB uint8 frames + timestamps, seeking
opening.py   the file and its video stream opened, or refused in words a user can act on
probing.py   `VideoInfo`: what a file's header and first frame say (size, rate, length, streams)
frame_clock.py  each frame's time, in presentation order, however the container stamps it
keyframes.py  where a seek decodes from
pictures.py  decoded frames to RGB as shown (orientation, colour matrix and range, 16-bit HDR input)
time_jumps.py  stretches of time the frames skip (a reader's note)
frame_folder.py  a folder of frames opened as a video (the Compare tab's benchmarks)
tonemap.py   HDR (PQ, HLG) and wide-gamut video turned into SDR BT.709, as the phone that recorded it shows it
deinterlace.py  interlaced pictures found (FFmpeg's idet) and deinterlaced (bwdif) as they are decoded
joins.py     recordings joined end to end (`cat a.ts b.ts`): where each part begins, how far its times move on
restarts.py  where such a recording's clock starts again on the frames' timeline (the viewer's Joined row)
late_streams.py  streams whose first packets come late, which what FFmpeg reads at opening does not describe
writer.py    encode, atomic output (temp file + rename), never overwrites the input
encoding.py  codecs, CRF/preset checks, the record of what made an output
carried.py   the source's audio, subtitles, fonts, timecode and tags, carried into the output; what is not kept, noted
tags.py      the source's container and stream tags as an output's muxer keeps them; what it would drop, noted
subtitles.py  text subtitles converted to the codec the output's container holds
output_paths.py  refusing bad targets, names within the disk's limit, temporary files of unfinished writes (and
             those killed writes left, cleared as a write starts)
packet_times.py  frame counts and times of any video from its packets (demuxing only): the viewer's seeks, progress
             totals, the last frame's end
verify.py    is an existing output a finished result of its input (packet counts and time spans)
scenecut.py  shot-boundary detection on the frame stream
limits.py    up-front refusal of jobs too large for the encoder or the free memory, or too fast for .mkv's clock
disk_space.py  while a job runs: a warning when its output, projected from its growth, will not fit on the disk (or
             passes a FAT disk's 4 GB file limit), and a stop when its folder is gone
file_systems.py  which file system a folder is on (FAT's 4 GB files, network disks' locks), on every system
pipeline.py  decode -> interpolate/upscale -> encode on threads with bounded queues, progress, cancel
"""
