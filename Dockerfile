# syntax=docker/dockerfile:1
# callbee in a container:
#   docker build -t callbee .
#   docker run -p 8080:8080 -v callbee-data:/var/lib/callbee callbee
#   docker run -p 8080:8080 -v $PWD/myshop.yaml:/shops/myshop.yaml:ro callbee \
#       serve --addr :8080 --db /var/lib/callbee/callbee.db --shop /shops/myshop.yaml

# ---- build
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Pure Go for now (SQLite is modernc.org/sqlite). Opus and pocketsphinx come
# through cgo in later releases: then CGO_ENABLED=1 and the -dev packages
# (libopus-dev, libpocketsphinx-dev) here, and their runtime libraries below.
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/callbee ./cmd/callbee

# ---- run
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/callbee --create-home callbee
COPY --from=build /out/callbee /usr/local/bin/callbee
COPY examples/ /usr/share/callbee/examples/
COPY callbee.sample.yaml /usr/share/callbee/callbee.sample.yaml
USER callbee
ENV CALLBEE_DB=/var/lib/callbee/callbee.db
VOLUME ["/var/lib/callbee"]
EXPOSE 8080
ENTRYPOINT ["callbee"]
CMD ["serve", "--addr", ":8080", "--db", "/var/lib/callbee/callbee.db", "--shop", "/usr/share/callbee/examples/starter-shop.yaml"]
