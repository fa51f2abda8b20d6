# mae-vk: two commands on a fresh machine, `make setup` then `make test`.
.PHONY: setup test build shaders

setup:
	bash tools/setup.sh

test:
	bash tools/test.sh

build:
	go build -o mae-vk ./cmd/mae-vk
	go build -o mae-vk-view ./cmd/mae-vk-view

shaders:
	go generate ./shaders
