"""School-issued passphrases for learners: three friendly words and a number, easy for a child to
type and read off a login card (about 30 bits, with login throttling per account)."""

import secrets

WORDS = """
acorn amber anchor apple arrow autumn badger banjo basket beach beacon beetle berry biscuit
blossom bramble breeze bridge brook bubble bucket button cabin cactus camel candle canoe carrot
castle cedar cherry chess cloud clover comet coral cosmos cotton crayon cricket crystal cupcake
daisy dolphin dragon drum eagle echo elbow ember falcon feather fern fiddle finch flame flute
forest fossil fox garden gecko ginger glacier globe goose granite grape hammock harbour hazel
hedgehog heron honey island ivy jasmine jelly jigsaw kayak kettle kite koala ladder lantern lemon
lighthouse lily llama lobster lotus magnet mango maple marble meadow melon meteor mint mitten
moon moss muffin nectar nest noodle oak oasis ocean olive orbit otter owl paddle panda parrot
peach pebble pencil penguin pepper piano pine planet plum pocket pony poppy pumpkin puffin quartz
quill rabbit rainbow raven ribbon river robin rocket rose saddle sail salmon sandal saturn
scarf seal shell sherbet silver skate sky sledge snail snowdrop sparrow spoon squirrel star
storm sunflower swan teapot thistle thunder tiger toffee tomato torch tortoise tractor trumpet
tulip turnip umbrella valley velvet violin volcano walnut walrus wave whale whistle willow
window wizard wombat yacht yoghurt zebra
""".split()


def new_passphrase() -> str:
    words = [secrets.choice(WORDS) for _ in range(3)]
    return "-".join(words) + f"-{secrets.randbelow(90) + 10}"
