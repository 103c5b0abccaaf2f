# syntax=docker/dockerfile:1
# callbee in a container (keep the package lists in step with scripts/install.sh):
#   docker build -t callbee .
#   docker run -p 8080:8080 -p 5060:5060/udp -v callbee-data:/var/lib/callbee callbee
#   docker run -p 8080:8080 -v $PWD/myshop.yaml:/shops/myshop.yaml:ro callbee \
#       serve --addr :8080 --db /var/lib/callbee/callbee.db --shop /shops/myshop.yaml

# ---- build: cgo for pocketsphinx (ASR), espeak-ng (TTS) and Opus
FROM golang:1.26-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends pkg-config libpocketsphinx-dev libespeak-ng-dev libopus-dev \
    libopusfile-dev curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/callbee ./cmd/callbee
# The 8 kHz telephone models (English, Mandarin) from their upstream repository
# at the commit recorded in the script; the 16 kHz English model is Debian's.
RUN scripts/fetch-models.sh /out/models

# ---- run
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
    libpocketsphinx3 libsphinxbase3 pocketsphinx-en-us libespeak-ng1 espeak-ng-data libopus0 libopusfile0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/callbee --create-home callbee
COPY --from=build /out/callbee /usr/local/bin/callbee
COPY --from=build /out/models /usr/share/callbee/models
COPY examples/ /usr/share/callbee/examples/
COPY callbee.sample.yaml /usr/share/callbee/callbee.sample.yaml
USER callbee
ENV CALLBEE_DB=/var/lib/callbee/callbee.db \
    CALLBEE_MODELS=/usr/share/callbee/models
VOLUME ["/var/lib/callbee"]
# HTTP (API, call page, WebSocket doors); SIP; RTP and WebRTC media ports come from the config.
EXPOSE 8080 5060/udp 5060/tcp
ENTRYPOINT ["callbee"]
CMD ["serve", "--addr", ":8080", "--db", "/var/lib/callbee/callbee.db", "--shop", "/usr/share/callbee/examples/starter-shop.yaml"]
