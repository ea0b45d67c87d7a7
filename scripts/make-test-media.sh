#!/usr/bin/env bash
# Makes the test media of the media layer with the ffmpeg CLI, from the photos that Debian's
# python3-skimage package ships.
#
# Usage: scripts/make-test-media.sh OUTDIR
#
# Files written to OUTDIR (existing complete files are kept, so a second run is quick):
#   photos.mp4             1280x720 H.264 + AAC stereo 48 kHz, 30 fps, 30 s: six photos (cat,
#                          coffee, rocket, motorcycle, astronaut, horse), 5 s each, hard cuts,
#                          pillarboxed on black; creation_time 2024-05-01T12:00:00Z and start
#                          timecode 01:00:00:00
#   photos-rotated.mov     the same pictures as HEVC, stored turned 90 degrees counterclockwise
#                          (720x1280) with a display matrix that turns them 90 degrees clockwise,
#                          so it displays upright at 1280x720
#   photos.webm            the same pictures as VP9 in WebM
#   café 東京 🎬.mp4       a copy of photos.mp4 under a non-ASCII name
#   short.mp4              a 0.5 s clip (320x240, 30 fps)
#   pattern-rotated.mov    2 s, red top half and blue bottom half as displayed, stored turned
#                          90 degrees counterclockwise with the same display matrix (H.264)
#   cat.png                the cat photo (451x300)
#   tone-cover.mp3         2 s of 440 Hz with the cat photo as cover art (attached picture)
#   empty.mp4              zero bytes
#   truncated.mp4          the first half of a non-faststart MP4, so it has no moov atom
#   not-video.mp4          a text file
#   vfr.mp4                variable frame rate: one photo per second (cat, coffee, rocket,
#                          motorcycle, astronaut, horse) but only 7 frames kept, presented at
#                          0, 0.9, 2.2, 2.5, 3.0, 4.7 and 5.2 s (640x360 H.264)
#   hdr-pq.mp4             2 s of the coffee photo as 10-bit HEVC with PQ transfer and BT.2020
#                          primaries (640x360), SDR white placed at 203 nits as BT.2408 advises
#   hdr-hlg.mp4            the same as 10-bit HEVC with HLG transfer
#   interlaced.ts          4 s of the photos as interlaced MPEG-2 (top field first, 720x576
#                          25 fps) in MPEG-TS with MP2 audio
#   offset-10s.mkv         6 s of the photos, 1 s each, whose timestamps start at 10 s
#   moov-at-end.mp4        6 s of the photos, 1 s each, with the moov atom after the media data
#   with spaces \ and backslash.mp4   a copy of short.mp4 under a name with spaces and a backslash
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
out_dir="$1"
photo_dir="${SKIMAGE_DATA_DIR:-/usr/lib/python3/dist-packages/skimage/data}"
photos=(chelsea.png coffee.png rocket.jpg motorcycle_left.png astronaut.png horse.png)

for photo in "${photos[@]}"; do
    if [[ ! -f "$photo_dir/$photo" ]]; then
        echo "error: '$photo_dir/$photo' not found; install python3-skimage or set SKIMAGE_DATA_DIR" >&2
        exit 1
    fi
done
if ! command -v ffmpeg >/dev/null; then
    echo "error: ffmpeg not found on PATH; install the ffmpeg package" >&2
    exit 1
fi
mkdir -p "$out_dir"

ffmpeg_quiet=(ffmpeg -hide_banner -loglevel error -nostdin -y)

# Runs "make_NAME TEMP_PATH" unless OUTDIR/NAME exists, then renames the temp file into place,
# so an interrupted run never leaves a partial file under the final name.
make_once() {
    local name="$1"
    local maker="$2"
    local target="$out_dir/$name"
    if [[ -e "$target" ]]; then
        return
    fi
    local extension="${name##*.}"
    local temp="$out_dir/.partial-$$-${name%.*}.$extension"
    "$maker" "$temp"
    mv -f "$temp" "$target"
}

# The six photos, 5 s each at 30 fps, each scaled to fit 1280x720 and padded on black.
photo_inputs=()
photo_filter=""
for index in "${!photos[@]}"; do
    photo_inputs+=(-loop 1 -framerate 30 -t 5 -i "$photo_dir/${photos[$index]}")
    photo_filter+="[$index:v]scale=1280:720:force_original_aspect_ratio=decrease,"
    photo_filter+="pad=1280:720:(ow-iw)/2:(oh-ih)/2:black,setsar=1,format=yuv420p[p$index];"
done
photo_filter+="[p0][p1][p2][p3][p4][p5]concat=n=6:v=1:a=0,fps=30"

make_photos_mp4() {
    "${ffmpeg_quiet[@]}" "${photo_inputs[@]}" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=30" \
        -filter_complex "$photo_filter[v];[6:a]aformat=channel_layouts=stereo[a]" \
        -map "[v]" -map "[a]" \
        -c:v libx264 -preset ultrafast -crf 18 -g 60 -pix_fmt yuv420p \
        -c:a aac -b:a 96k -t 30 \
        -metadata creation_time=2024-05-01T12:00:00Z -timecode 01:00:00:00 \
        -movflags +faststart "$1"
}

# Remuxes $1 into $2 with a display matrix that turns the picture 90 degrees clockwise.
# ffmpeg 5.1 drops a rotate tag when it re-encodes, so the tag is set in a stream-copy pass. Its
# mov muxer writes rotate=270 as a matrix that av_display_rotation_get reads as -90 (90 degrees
# clockwise); the check below stops the script if another ffmpeg version reads it otherwise.
tag_clockwise_rotation() {
    "${ffmpeg_quiet[@]}" -i "$1" -map 0 -c copy -metadata:s:v:0 rotate=270 "$2"
    local rotation
    rotation=$(ffprobe -v error -select_streams v:0 -show_entries stream_side_data=rotation \
        -of default=noprint_wrappers=1:nokey=1 "$2")
    if [[ "$rotation" != "-90" ]]; then
        echo "error: '$2' has display rotation '$rotation', expected -90; check the ffmpeg version" >&2
        exit 1
    fi
}

make_photos_rotated_mov() {
    # transpose=2 turns the pixels 90 degrees counterclockwise; the display matrix turns them
    # back.
    local unrotated="$1.unrotated.mov"
    "${ffmpeg_quiet[@]}" "${photo_inputs[@]}" \
        -filter_complex "$photo_filter,transpose=2[v]" -map "[v]" \
        -c:v libx265 -preset ultrafast -crf 24 -g 60 -pix_fmt yuv420p -tag:v hvc1 \
        -x265-params log-level=error -t 30 "$unrotated"
    tag_clockwise_rotation "$unrotated" "$1"
    rm -f "$unrotated"
}

make_photos_webm() {
    "${ffmpeg_quiet[@]}" "${photo_inputs[@]}" \
        -filter_complex "$photo_filter[v]" -map "[v]" \
        -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -row-mt 1 -b:v 0 -crf 40 -g 60 \
        -pix_fmt yuv420p -t 30 "$1"
}

make_unicode_copy() {
    cp "$out_dir/photos.mp4" "$1"
}

make_short_mp4() {
    "${ffmpeg_quiet[@]}" -f lavfi -i "testsrc2=size=320x240:rate=30:duration=0.5" \
        -c:v libx264 -preset ultrafast -crf 18 -pix_fmt yuv420p "$1"
}

make_pattern_rotated_mov() {
    # Red over blue as displayed; stored turned counterclockwise, so red is on the left.
    local unrotated="$1.unrotated.mov"
    "${ffmpeg_quiet[@]}" -f lavfi -i "color=c=red:size=320x120:rate=30:duration=2" \
        -f lavfi -i "color=c=blue:size=320x120:rate=30:duration=2" \
        -filter_complex "[0:v][1:v]vstack,transpose=2,format=yuv420p[v]" -map "[v]" \
        -c:v libx264 -preset ultrafast -crf 10 "$unrotated"
    tag_clockwise_rotation "$unrotated" "$1"
    rm -f "$unrotated"
}

make_cat_png() {
    cp "$photo_dir/chelsea.png" "$1"
}

make_tone_cover_mp3() {
    "${ffmpeg_quiet[@]}" -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=2" \
        -i "$photo_dir/chelsea.png" -map 0:a -map 1:v -c:a libmp3lame -b:a 64k \
        -c:v png -disposition:v:0 attached_pic -id3v2_version 3 "$1"
}

make_empty_mp4() {
    : >"$1"
}

make_truncated_mp4() {
    # Without +faststart the moov atom is written after the media data, so the first half of
    # the file has none.
    local whole="$1.whole.mp4"
    "${ffmpeg_quiet[@]}" -f lavfi -i "testsrc2=size=320x240:rate=30:duration=4" \
        -c:v libx264 -preset ultrafast -crf 18 -pix_fmt yuv420p "$whole"
    local size
    size=$(stat -c %s "$whole")
    head -c $((size / 2)) "$whole" >"$1"
    rm -f "$whole"
}

make_not_video_mp4() {
    printf 'This is a text file with a video extension, not a media file.\n' >"$1"
}

# The six photos, 1 s each at 30 fps, 640x360: the per-second clips for frame-time tests.
second_inputs=()
second_filter=""
for index in "${!photos[@]}"; do
    second_inputs+=(-loop 1 -framerate 30 -t 1 -i "$photo_dir/${photos[$index]}")
    second_filter+="[$index:v]scale=640:360:force_original_aspect_ratio=decrease,"
    second_filter+="pad=640:360:(ow-iw)/2:(oh-ih)/2:black,setsar=1,format=yuv420p[s$index];"
done
second_filter+="[s0][s1][s2][s3][s4][s5]concat=n=6:v=1:a=0,fps=30"

make_vfr_mp4() {
    # Frame numbers 0, 27, 66, 75, 90, 141 and 156 at 30 fps; passthrough keeps their times.
    "${ffmpeg_quiet[@]}" "${second_inputs[@]}" \
        -filter_complex "$second_filter,select='eq(n,0)+eq(n,27)+eq(n,66)+eq(n,75)+eq(n,90)+eq(n,141)+eq(n,156)'[v]" \
        -map "[v]" -fps_mode passthrough -c:v libx264 -preset ultrafast -crf 18 -pix_fmt yuv420p \
        -video_track_timescale 90000 "$1"
}

# SDR BT.709 to PQ or HLG BT.2020: linearise, then encode with SDR white at 203 nits.
make_hdr_clip() {
    local transfer="$1"
    local output="$2"
    "${ffmpeg_quiet[@]}" -loop 1 -framerate 30 -t 2 -i "$photo_dir/coffee.png" \
        -vf "scale=640:360,setsar=1,format=gbrpf32le,zscale=tin=bt709:t=linear:npl=203,zscale=pin=bt709:p=bt2020:tin=linear:t=$transfer:npl=203:m=bt2020nc:r=tv,format=yuv420p10le" \
        -c:v libx265 -preset ultrafast -tag:v hvc1 \
        -x265-params "log-level=error:colorprim=bt2020:transfer=$transfer:colormatrix=bt2020nc:max-cll=1000,400" \
        -color_primaries bt2020 -color_trc "$transfer" -colorspace bt2020nc "$output"
}

make_hdr_pq_mp4() {
    make_hdr_clip smpte2084 "$1"
}

make_hdr_hlg_mp4() {
    make_hdr_clip arib-std-b67 "$1"
}

make_interlaced_ts() {
    "${ffmpeg_quiet[@]}" "${photo_inputs[@]}" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=4" \
        -filter_complex "$photo_filter,scale=720:576,setsar=64/45,fps=25,setfield=tff[v]" \
        -map "[v]" -map 6:a -t 4 -c:v mpeg2video -b:v 4M -flags +ilme+ildct -top 1 \
        -c:a mp2 -b:a 128k "$1"
}

make_offset_mkv() {
    "${ffmpeg_quiet[@]}" "${second_inputs[@]}" -filter_complex "$second_filter[v]" -map "[v]" \
        -c:v libx264 -preset ultrafast -crf 18 -g 30 -pix_fmt yuv420p -output_ts_offset 10 "$1"
}

make_moov_at_end_mp4() {
    "${ffmpeg_quiet[@]}" "${second_inputs[@]}" -filter_complex "$second_filter[v]" -map "[v]" \
        -c:v libx264 -preset ultrafast -crf 18 -g 30 -pix_fmt yuv420p "$1"
}

make_backslash_copy() {
    cp "$out_dir/short.mp4" "$1"
}

make_once photos.mp4 make_photos_mp4
make_once photos-rotated.mov make_photos_rotated_mov
make_once photos.webm make_photos_webm
make_once "café 東京 🎬.mp4" make_unicode_copy
make_once short.mp4 make_short_mp4
make_once pattern-rotated.mov make_pattern_rotated_mov
make_once cat.png make_cat_png
make_once tone-cover.mp3 make_tone_cover_mp3
make_once empty.mp4 make_empty_mp4
make_once truncated.mp4 make_truncated_mp4
make_once not-video.mp4 make_not_video_mp4
make_once vfr.mp4 make_vfr_mp4
make_once hdr-pq.mp4 make_hdr_pq_mp4
make_once hdr-hlg.mp4 make_hdr_hlg_mp4
make_once interlaced.ts make_interlaced_ts
make_once offset-10s.mkv make_offset_mkv
make_once moov-at-end.mp4 make_moov_at_end_mp4
make_once 'with spaces \ and backslash.mp4' make_backslash_copy
