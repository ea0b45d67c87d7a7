#!/usr/bin/env bash
# Makes the face test videos with the ffmpeg CLI from the real face photos that
# scripts/fetch-face-test-images.sh collects.
#
# Usage: scripts/make-face-test-media.sh PHOTO_DIR OUTDIR
#
# Files written to OUTDIR (existing files are kept, so a second run is quick), all H.264 at
# 25 fps with a keyframe every 2 s, each scene a still photo:
#   obama-biden.mp4     1280x720, 12 s: Obama (obama.jpg) 6 s, then Biden 6 s
#   obama2-hopper.mp4   1280x720, 12 s: Obama (obama2.jpg) 6 s, then Grace Hopper 6 s
#   phone-obama3.mov    a portrait phone clip, 6 s of Obama (obama3.jpg): stored 1280x720,
#                       turned 90 degrees counterclockwise, with a display matrix that turns it
#                       back, so it displays upright at 720x1280
#   hopper-biden.mp4    1280x720, 6 s: Grace Hopper and Biden side by side in every frame
#   collins.mp4         1280x720, 6 s: Eileen Collins (astronaut.png)
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 PHOTO_DIR OUTDIR" >&2
    exit 2
fi
photo_dir="$1"
out_dir="$2"
for photo in obama.jpg obama2.jpg obama3.jpg biden.jpg grace_hopper_512x512.jpg astronaut.png; do
    if [[ ! -f "$photo_dir/$photo" ]]; then
        echo "error: '$photo_dir/$photo' not found; run scripts/fetch-face-test-images.sh first" >&2
        exit 1
    fi
done
mkdir -p "$out_dir"

ffmpeg_quiet=(ffmpeg -hide_banner -loglevel error -nostdin -y)
encode=(-c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p -r 25 -g 50)
# Fits a picture inside 1280x720 and pads it with black, centred.
fit_720p="scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2,setsar=1"
# biden.jpg is a full-length portrait, and its top square contains the head and shoulders.
biden_crop="crop=iw:iw:0:0"

# Runs "MAKER TEMP_PATH" unless OUTDIR/NAME exists, then renames the temporary file into place.
make_once() {
    local name="$1"
    local maker="$2"
    if [[ -e "$out_dir/$name" ]]; then
        return
    fi
    local temp="$out_dir/.partial-$$-$name"
    "$maker" "$temp"
    mv -f "$temp" "$out_dir/$name"
}

# Two stills of 6 s each, cut hard: two_scenes OUTPUT PHOTO1 FILTER1 PHOTO2 FILTER2
two_scenes() {
    "${ffmpeg_quiet[@]}" -loop 1 -t 6 -i "$photo_dir/$2" -loop 1 -t 6 -i "$photo_dir/$4" \
        -filter_complex "[0]$3,$fit_720p[a];[1]$5,$fit_720p[b];[a][b]concat=n=2:v=1[v]" \
        -map "[v]" "${encode[@]}" -f mp4 "$1"
}

make_obama_biden() { two_scenes "$1" obama.jpg null biden.jpg "$biden_crop"; }
make_obama2_hopper() { two_scenes "$1" obama2.jpg null grace_hopper_512x512.jpg null; }

make_phone_obama3() {
    # transpose=2 turns the pixels 90 degrees counterclockwise; rotate=270 makes players turn
    # them back clockwise
    local stored="$1.stored.mov"
    "${ffmpeg_quiet[@]}" -loop 1 -t 6 -i "$photo_dir/obama3.jpg" \
        -vf "scale=720:1280:force_original_aspect_ratio=decrease,pad=720:1280:(ow-iw)/2:(oh-ih)/2,setsar=1,transpose=2" \
        "${encode[@]}" "$stored"
    "${ffmpeg_quiet[@]}" -i "$stored" -map 0 -c copy -metadata:s:v:0 rotate=270 -f mov "$1"
    rm -f "$stored"
}

make_hopper_biden() {
    "${ffmpeg_quiet[@]}" -loop 1 -t 6 -i "$photo_dir/grace_hopper_512x512.jpg" -loop 1 -t 6 -i "$photo_dir/biden.jpg" \
        -filter_complex "[0]scale=-2:720,setsar=1[a];[1]$biden_crop,scale=-2:720,setsar=1[b];[a][b]hstack=inputs=2,$fit_720p[v]" \
        -map "[v]" "${encode[@]}" -f mp4 "$1"
}

make_collins() {
    "${ffmpeg_quiet[@]}" -loop 1 -t 6 -i "$photo_dir/astronaut.png" -vf "$fit_720p" "${encode[@]}" -f mp4 "$1"
}

make_once obama-biden.mp4 make_obama_biden
make_once obama2-hopper.mp4 make_obama2_hopper
make_once phone-obama3.mov make_phone_obama3
make_once hopper-biden.mp4 make_hopper_biden
make_once collins.mp4 make_collins
echo "setup: face test videos in $out_dir"
