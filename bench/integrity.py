"""Integrity checks: how well the near-copy decision works, and how fast a check is at scale.

    .venv/bin/python bench/integrity.py [--database sqlite|postgres] [--corpus DIR] [--seed 1]
                                        [--scale 100000] [--checks 200] [--skip-scale]
                                        [--prompts 24] [--class-size 40]

    .venv/bin/python bench/integrity.py                                   # SQLite, 100k indexed
    .venv/bin/python bench/integrity.py --database postgres --scale 1000000
    .venv/bin/python bench/integrity.py --corpus my-corpus --skip-scale     # your own texts

Two parts, each in a child process with its own throwaway database (a SQLite file in a temporary
PBYP_VAR_DIR, or a `pbyp_bench_<random>` PostgreSQL database on 127.0.0.1:5432 as `postgres`),
migrated first and removed at the end, also on failure, Ctrl-C or SIGTERM.

1. Accuracy: the product's real decision. Every submission is a row of its own (a different
   learner's work; rows are created in bulk, as `evidence_submit` would leave them) and
   `pbyp.integrity.checks.check` runs on each in turn, so each is compared with everything
   indexed before it, in the whole school. "b copies a" is the product's decision when b got a
   holding flag pointing at a (`Flag(evidence=b, other=a, holds=True)`).

   - `--corpus DIR` reads a labelled corpus anyone can bring: `DIR/texts/<id>.txt` (one
     submission each, UTF-8) and `DIR/pairs.csv` with the header `a,b,copied` (ids; 1 if b copies
     a, else 0). Optional `DIR/prompt.txt`: the step statement the texts answer (its words are
     ignored, as the product ignores the statement's); without it the statement is empty. Every
     text is a different learner's submission to one step, indexed in id order (natural order:
     "2" before "10") except that a listed pair's a always comes before its b. Prints the
     confusion counts, precision, recall and F1 on the listed pairs, and the holding flags
     between texts that no pair lists.
   - Otherwise a generated corpus. For each of --prompts steps (one per default ladder, at a
     random level) a class of --class-size learners answers the step honestly: what they did,
     their topic and what they found out, how they prepared, who helped, how they felt, what went
     well and what they would change, what they learned; 30-120 words from varied templates and
     word lists, sometimes quoting the step statement, with the spelling slips and joined-up
     sentences children write. Half of the honest answers are copied, each by four other learners
     of the class: three copies with 5%, 10% and 20% of the words edited (a random mix of
     replaced, inserted and deleted words at random positions) and a partial copy (a run of the
     source's sentences, 40-100% of it, making 40-60% of an otherwise new answer). Copies arrive
     after their source, at random times in the class's work. Prints recall per edit level, the
     false-flag rate on honest answers (an honest answer held against ANY other text is a false
     flag; also per pair of honest answers to the same step), and precision over every holding
     flag raised (a flag is right when both texts are the same source or copies of it).

2. Scale (skipped with --skip-scale): indexes --scale submissions (default 100,000) from the same
   generator, on every default step, by learners with about 200 submissions each (at least 100
   learners; 3% of the submissions are 10%-edited copies of earlier work), writing the index
   rows exactly as `check` would (TextDigest, TextFingerprint without the fingerprints already
   common, FingerprintFrequency counts) in bulk.
   PostgreSQL is then vacuumed and analysed, as autovacuum would after such a load. Then --checks
   new submissions (80% honest, 20% 10%-edited copies of indexed work) each get a full `check()`,
   committed, after 10 untimed warm-up checks: p50 and p99 in ms, and the on-disk size of the
   integrity tables with their indexes (PostgreSQL: pg_total_relation_size; SQLite: dbstat).

Last line: `integrity: precision=P recall=R p99_ms=T n=N` — P and R from the accuracy part (a
generated corpus: recall over all copies, partial ones included, and precision over all holding
flags; a corpus: over its listed pairs), T the p99 of a full check and N the submissions indexed
in the scale part (`p99_ms=- n=0` with --skip-scale).

`--experiment MODULE.NAME=VALUE` (repeatable; MODULE is `checks` or `text` of pbyp.integrity)
changes a product constant in the children, to try other settings. The run then says so on every
part and its last line starts `integrity EXPERIMENT(...)` instead: its figures are not the
product's.
"""

import argparse
import contextlib
import csv
import importlib.metadata
import json
import os
import platform
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from pages import bench_env, clean_up, postgres_create, postgres_url  # bench/pages.py

EDIT_LEVELS = (0.05, 0.10, 0.20)
PARTIAL_OF_NEW = (0.4, 0.6)  # the copied run's share of a partial copy's words
PARTIAL_OF_SOURCE = (0.4, 1.0)  # the copied run's share of its source's words
HONEST_WORDS = (30, 120)
SCALE_PER_LEARNER = 200  # submissions per learner in the scale index
SCALE_COPIES = 0.03  # share of the scale index that are edited copies of earlier work
SCALE_CHUNK = 20_000  # submissions generated and written at a time
TIMED_COPIES = 0.2  # share of the timed submissions that copy indexed work
WARM_UP = 10
SCALE_STEPS_SEED = 99


class BenchError(Exception):
    """A step failed; the message says which and why."""


# --- the generated texts ------------------------------------------------------------------------

# Pools for the {slots} of the sentence templates. A slot written with a capital ({When}) gets a
# capitalised value. {topic}, {thing}, {audience}, {partner} and {helper} keep one value per text.
POOLS = {
    "when": [
        "on monday",
        "last week",
        "yesterday",
        "in our topic lesson",
        "during golden time",
        "after lunch",
        "on friday afternoon",
        "in assembly",
        "at the end of term",
        "just before half term",
        "in science",
        "in english",
        "in form time",
        "this morning",
        "last thursday",
        "in pshe",
        "at after school club",
        "over the weekend",
        "in our geography lesson",
        "on wednesday",
        "during the school trip",
        "in the holidays",
        "at the start of the week",
        "in our last lesson before lunch",
    ],
    "topic": [
        "volcanoes",
        "the romans",
        "recycling",
        "rainforests",
        "the water cycle",
        "plastic in the ocean",
        "the solar system",
        "healthy eating",
        "the great fire of london",
        "dinosaurs",
        "ancient egypt",
        "electricity",
        "the vikings",
        "climate change",
        "bees",
        "our local river",
        "the tudors",
        "sharks",
        "earthquakes",
        "the human heart",
        "fair trade",
        "the olympics",
        "castles",
        "minibeasts",
        "the second world war",
        "antarctica",
        "endangered animals",
        "the moon landing",
        "food waste",
        "road safety",
        "our school garden",
        "magnets",
        "the stone age",
        "staying safe online",
        "litter in the park",
        "coral reefs",
        "famous inventors",
        "how chocolate is made",
        "football",
        "music from around the world",
        "sleep",
        "hedgehogs",
        "the history of our town",
        "wind turbines",
        "my family tree",
        "the aztecs",
        "space rockets",
        "mental health",
    ],
    "thing": [
        "a poster",
        "a presentation",
        "a leaflet",
        "a powerpoint",
        "a short talk",
        "a model",
        "a fact file",
        "a video",
        "a comic strip",
        "a report",
        "a survey",
        "a display",
        "a quiz",
        "a booklet",
        "a speech",
        "a mind map",
        "a podcast",
        "a timeline",
    ],
    "audience": [
        "my class",
        "my group",
        "year 3",
        "the younger children",
        "my table",
        "the whole school",
        "the school council",
        "our form group",
        "my mum and dad",
        "the head teacher",
        "the class next door",
        "some parents",
        "year 7",
        "my family",
        "the reception class",
        "our house team",
    ],
    "helper": [
        "my teacher",
        "mrs patel",
        "mr jones",
        "my mum",
        "my dad",
        "our ta",
        "my older sister",
        "my nan",
        "ms green",
        "the librarian",
        "my big brother",
        "mr ahmed",
        "miss walker",
        "my grandad",
        "mrs o'brien",
        "my auntie",
    ],
    "partner": [
        "leo",
        "aisha",
        "sam",
        "maya",
        "oliver",
        "zara",
        "jack",
        "ruby",
        "noah",
        "isla",
        "ethan",
        "amelia",
        "harry",
        "grace",
        "kai",
        "freya",
        "mohammed",
        "lily",
        "theo",
        "evie",
        "josh",
        "priya",
        "alfie",
        "sofia",
    ],
    "prep": [
        "borrowed a book from the library",
        "asked my class what they wanted to know",
        "drew some diagrams",
        "wrote everything in my own words",
        "made a list of questions",
        "made some notes on little cards",
        "practised in front of the mirror",
        "looked things up in the library",
        "drew a plan of what I wanted to do",
        "asked my family what they thought",
        "read two books about it",
        "watched a video about it",
        "wrote a list of everything I needed",
        "made a model out of card and glue",
        "timed myself with a stopwatch",
        "checked all my spelling",
        "put the pictures in the right order",
        "learned the main points off by heart",
        "made a mind map of my ideas",
        "practised with my partner at break",
        "searched for facts on the school laptop",
        "wrote a first draft in my book",
        "printed some pictures at home",
        "asked my teacher for some tips",
        "split the work into small parts",
        "found some good websites",
        "made a checklist so I would not forget anything",
        "recorded myself on a tablet and watched it back",
        "tried it out on my little brother",
    ],
    "challenge": [
        "keep everyone listening",
        "remember all my words",
        "speak loudly enough",
        "agree on what to do",
        "finish it on time",
        "find facts I could trust",
        "stay calm",
        "get the laptop to work",
        "share the jobs out fairly",
        "answer the questions at the end",
        "keep my voice steady",
        "make it short enough",
        "stop people talking over each other",
        "explain the hard words",
        "decide what to leave out",
        "get everyone to join in",
    ],
    "solution": [
        "my teacher gave me a good tip",
        "I took a deep breath and carried on",
        "I looked at my notes",
        "my partner helped me out",
        "I slowed down",
        "we made a plan together",
        "I tried again the next day",
        "I asked for help",
        "I practised a few more times",
        "I just kept going",
        "we took turns to speak",
        "I used a timer",
        "I asked a friend to check it",
        "I wrote the hard bits down",
    ],
    "neg": [
        "nervous",
        "scared",
        "worried",
        "shy",
        "a bit anxious",
        "unsure",
        "stressed",
        "embarrassed",
        "really nervous",
        "a little bit worried",
        "not very confident",
    ],
    "pos": [
        "proud",
        "happy",
        "confident",
        "relieved",
        "pleased with myself",
        "excited",
        "really good",
        "calm",
        "amazing",
        "so proud of myself",
        "much better",
        "brave",
    ],
    "reaction": [
        "clapped at the end",
        "asked lots of questions",
        "listened really well",
        "laughed at my joke",
        "said it was interesting",
        "wanted to know more",
        "gave me some good feedback",
        "said they learned something new",
        "said it was the best one",
        "put their hands up to ask things",
        "were really quiet and listened",
        "said I should do another one",
    ],
    "well": [
        "the way we shared the jobs",
        "my research",
        "the questions I asked",
        "my voice",
        "the colours",
        "being brave",
        "my poster",
        "speaking clearly",
        "the facts I found",
        "working as a team",
        "answering the questions",
        "my pictures",
        "how I started",
        "remembering everything",
        "keeping to time",
        "making people laugh",
        "the model we made",
        "listening to other people",
        "my handwriting",
        "looking at the audience",
        "the ending",
        "how organised I was",
    ],
    "ebi": [
        "I had written neater",
        "I had a better title",
        "I used a microphone",
        "I let others speak more",
        "I spoke a bit slower",
        "I looked up at the audience more",
        "I added more facts",
        "I practised more at home",
        "I used bigger writing",
        "we shared the jobs better",
        "I did not rush the ending",
        "I checked my work more carefully",
        "I used fewer notes",
        "I asked more people",
        "I stood still and did not fidget",
        "I had more pictures",
        "I started earlier",
        "I explained the tricky words",
    ],
    "next": [
        "practise more",
        "start sooner",
        "add more pictures",
        "speak more slowly",
        "ask more people to help",
        "use my own words more",
        "make it a bit shorter",
        "plan it better",
        "choose a harder topic",
        "look at the audience",
        "check my facts twice",
        "let other people have more turns",
    ],
    "lesson": [
        "you learn more when you teach someone else",
        "it helps to write a plan first",
        "other people have really good ideas",
        "mistakes help you get better",
        "you need to speak slowly so people understand",
        "checking twice saves you problems later",
        "it is easier if you break it into parts",
        "I am better at this than I thought",
        "practising really helps",
        "it is ok to make mistakes",
        "I can do more than I think",
        "people listen if you are confident",
        "planning saves a lot of time",
        "working together is easier than doing it alone",
        "asking questions helps you learn",
        "you have to listen to everyone's ideas",
        "being nervous is normal",
        "it is good to check your facts",
        "you should not give up when it goes wrong",
        "everyone is good at different things",
        "small steps add up",
        "feedback can make your work better",
    ],
    "growth": [
        "share my ideas",
        "be more organised",
        "keep going when it gets hard",
        "work with people I don't know",
        "stay calm",
        "become more confident",
        "speak up in class more",
        "be a better team member",
        "plan my work",
        "believe in myself",
        "listen to other people",
        "organise my time",
        "ask for help when I need it",
        "be more patient",
        "think about other people",
        "try new things",
    ],
    "feedback": [
        "I spoke really clearly",
        "the pictures helped a lot",
        "I had done loads of research",
        "I should try to slow down",
        "I need to look at the audience more",
        "it was really creative",
        "I was a good leader",
        "I explained it clearly",
        "I should be really proud",
        "my facts were interesting",
        "I kept going even when it was hard",
        "I could add more detail next time",
        "it was one of the best in the class",
        "I was very confident",
        "I need to look up a bit more",
        "it was well organised",
        "I made it easy to understand",
        "I worked really hard on it",
    ],
    "reason": [
        "my cousin did it last year",
        "it sounded fun",
        "I am good at it",
        "I wanted a challenge",
        "it is my favourite subject",
        "we went on a trip about it",
        "my dad works with it",
        "I read a book about it",
        "I love animals",
        "I went there on holiday",
        "my grandad told me about it",
        "we are learning about it in class",
        "I wanted to find out more",
        "I saw a programme about it on tv",
        "it is really interesting",
        "nobody else had picked it",
        "my friend suggested it",
        "it is important for the planet",
        "I did not know much about it",
        "my teacher said it would be good",
        "I have always wondered about it",
    ],
    "found": [
        "I found out",
        "I learned",
        "we found out",
        "I discovered",
        "I did not know",
        "I was surprised",
        "my research showed",
        "I read",
    ],
    "fact": [
        "it was invented by accident",
        "it costs a lot of money",
        "it can be seen from space",
        "there is still a lot we do not know",
        "children can help too",
        "it is getting worse every year",
        "it is much older than I thought",
        "lots of people do not know about it",
        "it affects animals as well as people",
        "there are more than a hundred different kinds",
        "it can be really dangerous",
        "scientists are still studying it",
        "it has changed a lot over time",
        "it happens all over the world",
        "it is a lot bigger than it looks",
        "we can all do something to help",
        "it started in a very small way",
        "it is linked to the weather",
        "it is different in every country",
        "people have been studying it for hundreds of years",
    ],
    "time": [
        "for a whole week",
        "every night",
        "for about an hour",
        "three times",
        "in my spare time",
        "at lunchtimes",
        "for two weeks",
        "the night before",
    ],
    "with": [
        "on my own",
        "with {partner}",
        "in a group of four",
        "with my table",
        "with {partner} and {partner2}",
        "with a partner",
        "in a pair",
    ],
    "partner2": ["ben", "chloe", "dev", "ella", "finn", "layla", "max", "nia", "oscar", "ravi"],
}

# Sentence templates by what the sentence does in an answer, in the order answers usually go.
# {stmt}: the step statement ("ask your teacher ..."); {past}: it in the first person and the past
# ("I asked my teacher ..."); {can}: it in the first person ("ask my teacher ..."). [a|b] is one of
# a or b: children say the same thing in different words.
TEMPLATES = {
    "open": [
        "For this step I [had to|needed to|was meant to] {stmt}.",
        "My step was to {stmt}.",
        "{Past} {when}.",
        "{When} {past}.",
        "I [chose|picked|went for] this step because {reason}.",
        "{When} I [did|made|worked on] {thing} about {topic} {with}.",
        "This [term|half term|week] I [worked on|made|did] {thing} about {topic}.",
        "I did {thing} on {topic} for {audience}.",
        "{Partner} and I [made|did|put together] {thing} about {topic} {when}.",
        "[Hi|Hello], this is about when I [did|made] {thing} for {audience}.",
        "The step says {stmt} so that is what I did.",
        "{When} I had to [do|make|give] {thing} for {audience}.",
        "My evidence is {thing} [about|on] {topic}.",
        "I wanted to show that I can {can}.",
        "[My evidence|This] is from {when_plain}.",
    ],
    "detail": [
        "It was about {topic} because {reason}.",
        "{Found} that {fact}.",
        "My {thing_noun} was [about|on] {topic}.",
        "I [picked|chose] {topic} because {reason}.",
        "{Found} that {topic} {fact_verb}.",
        "The [best|most interesting] bit was finding out about {topic}.",
        "I showed it to {audience} {when}.",
        "I talked about {topic} and [said that|explained that|how] {fact}.",
        "It had {number} parts and I did {part_share}.",
        "I did it {with} {when}.",
    ],
    "process": [
        "First I {prep}, then I {prep}.",
        "I {prep} {time}.",
        "{Helper} helped me to {challenge}.",
        "The [hardest|trickiest] part was [trying to|having to] {challenge}.",
        "It was [hard|difficult|tricky] to {challenge} but {solution}.",
        "At the start I [could not|couldn't|did not know how to] {challenge}, but {solution}.",
        "To get ready I {prep}.",
        "{Helper} [showed me how to|helped me] {challenge}.",
        "We had to {challenge} so {solution}.",
        "I {prep} and {helper} checked it.",
        "Before I started I {prep}.",
        "[Then|After that|Next] I {prep}.",
    ],
    "feeling": [
        "I felt {neg} at first but [then|after a while|in the end] I felt {pos}.",
        "I was {neg} [before I started|at the start|beforehand].",
        "[At the end|Afterwards|When I finished] I felt {pos}.",
        "{Audience} {reaction}, which made me [feel|feel really] {pos}.",
        "When {audience} {reaction} I was {pos}.",
        "I was {neg} because I had never [done this|done anything like this|tried this] before.",
        "I felt {pos} when it was [finished|over|done].",
        "My [hands were shaking|legs were wobbly|voice was shaky] but I felt {pos} afterwards.",
    ],
    "evaluation": [
        "What went well was {well}.",
        "I think {well} went [well|really well].",
        "Even better if {ebi}.",
        "Next time I [would|will|want to] {next}.",
        "If I did it again I would {next}.",
        "{Helper} said {feedback}.",
        "My teacher said {feedback}.",
        "{Partner} said {feedback}.",
        "The thing I was best at was {well}.",
        "It would have been better if {ebi}.",
    ],
    "learned": [
        "I learned that {lesson}.",
        "This shows I can {can}.",
        "I think this shows the step because I had to {can}.",
        "This helped me to {growth}.",
        "Now I know that {lesson}.",
        "Doing this step helped me {growth}.",
        "I am ready for the next step because I can {can} now.",
        "It taught me that {lesson}.",
    ],
    # What only this child did: the particular things, people, places and numbers, so no two
    # answers say quite the same.
    "specific": [
        "We used {material} and {material} to make the {part} of the {object}.",
        "{Name} brought in {a_adj} {noun} from {town} and showed it to {audience}.",
        "I wrote about the {adj} {noun} at {place} and the {noun} next to it.",
        "There were {count} {nouns} in the {room} and {count} of them were {adj}.",
        "My {relative} told me about the {adj} {noun} they saw in {town}.",
        "The {noun} was {colour} and {adj} with {a_adj} {noun} on top.",
        "On the {ordinal} day we went to {place} and counted {count} {nouns}.",
        "I asked {name} {surname} why the {noun} at {place} was so {adj}.",
        "{Name} and {name} made the {part} while I did the {part}.",
        "I found {count} {adj} {nouns} and {count} {colour} {nouns} for it.",
        "It took {count} minutes because the {noun} kept {going_wrong}.",
        "We put the {adj} {nouns} next to the {colour} {noun} in the {room}.",
        "{Name} said the {noun} looked like {a_adj} {noun} from {town}.",
        "I drew {count} {colour} {nouns} and labelled the {part}.",
        "My favourite was the {adj} {noun} that {name} made out of {material}.",
    ],
}


def listed(text: str) -> list[str]:
    return [item.strip() for item in text.split(",")]


# Open-ended content: many words in each pool, several pools in each sentence.
SPECIFIC = {
    "material": listed(
        "cardboard, tinfoil, string, glue, paper, clay, wool, felt, plastic bottles, lolly sticks,"
        " straws, newspaper, tissue paper, card, buttons, beads, pipe cleaners, sellotape, fabric,"
        " corks, egg boxes, paint, felt tips, crayons, sand, stones, leaves, twigs, wire"
    ),
    "part": listed(
        "base, roof, front, cover, title, lid, wheels, handle, sign, border, map, key, label,"
        " bridge, tower, door, windows, background, middle bit, ending, questions, chart, graph,"
        " diagram, table, instructions, captions, headings"
    ),
    "object": listed(
        "model, volcano, castle, bridge, poster, rocket, boat, robot, bird box, map, board game,"
        " garden plan, timeline, leaflet, booklet, display, stall, banner, costume, mask, puppet,"
        " fact file, newsletter, survey, quiz"
    ),
    "adj": listed(
        "big, small, tiny, huge, old, new, shiny, rusty, wooden, heavy, light, bright, dark,"
        " noisy, quiet, wobbly, strong, broken, round, square, tall, short, long, muddy, sticky,"
        " smooth, rough, soft, hard, hollow, spiky, fluffy, wet, dry, strange, funny, scary,"
        " tidy, messy, famous, ancient, fragile, colourful, plain, fancy, simple, tricky, clever"
    ),
    "noun": listed(
        "tree, bench, statue, fountain, shop, church, bridge, wall, gate, pond, river, path,"
        " field, hill, tower, clock, sign, bin, car, bus, train, bike, boat, ball, rope, ladder,"
        " table, chair, box, basket, bottle, cup, jar, lamp, map, book, poster, picture, photo,"
        " drawing, model, robot, kite, tent, flag, badge, medal, trophy, rock, shell, feather,"
        " nest, leaf, flower, seed, worm, snail, spider, beetle, frog, bird, fox, hedgehog,"
        " rabbit, horse, cow, sheep, dog, cat"
    ),
    "nouns": listed(
        "trees, benches, shops, cars, buses, bikes, boats, balls, chairs, boxes, bottles, cups,"
        " jars, books, posters, pictures, photos, drawings, models, kites, tents, flags, badges,"
        " rocks, shells, feathers, leaves, flowers, seeds, worms, snails, spiders, beetles,"
        " frogs, birds, questions, answers, facts, votes, ideas, people, children, teachers,"
        " houses, windows, doors"
    ),
    "place": listed(
        "the park, the library, the museum, the beach, the farm, the church, the market,"
        " the station, the castle, the leisure centre, the nature reserve, the woods, the canal,"
        " the high street, the community centre, the care home, the allotment, the playground,"
        " the field, the pond, the river, the bus stop, the shopping centre, the zoo, the mosque,"
        " the fire station, the garden centre"
    ),
    "town": listed(
        "Leeds, Bristol, Cardiff, York, Brighton, Norwich, Swansea, Derby, Bath, Chester, Hull,"
        " Exeter, Preston, Blackpool, Whitby, Cornwall, Scotland, Wales, London, Manchester,"
        " Ipswich, Luton, Oxford, Cambridge, Liverpool, Newcastle, Durham, Carlisle, Dover,"
        " Margate, Poland, Spain, Pakistan, Nigeria, Jamaica, Ireland, France, Romania, India,"
        " Portugal"
    ),
    "room": listed(
        "hall, classroom, library, corridor, playground, dining hall, garden, office, music room,"
        " art room, science lab, reception"
    ),
    "relative": listed(
        "nan, grandad, mum, dad, auntie, uncle, cousin, brother, sister, stepdad, grandma, step mum"
    ),
    "colour": listed(
        "red, blue, green, yellow, orange, purple, pink, black, white, grey, brown, gold, silver"
    ),
    "ordinal": listed("first, second, third, fourth, fifth, last"),
    "count": [str(n) for n in range(2, 60)]
    + listed("two, three, four, five, six, seven, eight, nine, ten, twelve, twenty, fifty"),
    "name": listed(
        "Leo, Aisha, Sam, Maya, Oliver, Zara, Jack, Ruby, Noah, Isla, Ethan, Amelia, Harry,"
        " Grace, Kai, Freya, Mohammed, Lily, Theo, Evie, Josh, Priya, Alfie, Sofia, Ben, Chloe,"
        " Dev, Ella, Finn, Layla, Max, Nia, Oscar, Ravi, Amir, Jade, Tom, Hana, Luca, Mia,"
        " Ollie, Ava, Reggie, Ivy, Yusuf, Poppy"
    ),
    "surname": listed(
        "Smith, Jones, Patel, Khan, Brown, Taylor, Wilson, Evans, Walker, Wright, Hughes, Green,"
        " Hall, Wood, Clarke, Ahmed, Ali, Lewis, Harris, Young, King, Turner, Hill, Scott, Moore,"
        " Cooper"
    ),
    "going_wrong": listed(
        "falling over, breaking, coming unstuck, blowing away, getting wet, tipping over,"
        " going wonky, falling apart"
    ),
}

EXTRA = {
    "when_plain": ["last week", "yesterday", "this term", "our topic lessons", "after school"],
    "thing_noun": ["poster", "talk", "project", "presentation", "leaflet", "display", "report"],
    "fact_verb": [
        "is more important than people think",
        "has been around for a very long time",
        "can change really quickly",
        "is not what most people think",
        "affects everyone in some way",
    ],
    "number": ["three", "four", "five", "two", "six"],
    "part_share": [
        "the writing",
        "the pictures",
        "most of the research",
        "the talking",
        "the ending",
        "the title and the facts",
    ],
}
GROUP_WEIGHTS = {
    "detail": 2.0,
    "specific": 3.5,
    "process": 3.0,
    "feeling": 2.0,
    "evaluation": 2.0,
    "learned": 1.5,
}
KEPT = ("topic", "thing", "audience", "partner", "helper", "partner2")
SLOT = re.compile(r"\{(\w+)\}")
CHOICE = re.compile(r"\[([^\[\]]+)\]")
VERB_LED = re.compile(r"\{(past|Past|can)\}|to \{stmt\}")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

PAST = {
    "act": "acted",
    "agree": "agreed",
    "answer": "answered",
    "ask": "asked",
    "balance": "balanced",
    "be": "was",
    "bounce": "bounced",
    "build": "built",
    "campaign": "campaigned",
    "carry": "carried",
    "check": "checked",
    "choose": "chose",
    "coach": "coached",
    "collect": "collected",
    "come": "came",
    "compare": "compared",
    "complete": "completed",
    "contribute": "contributed",
    "create": "created",
    "deliver": "delivered",
    "design": "designed",
    "develop": "developed",
    "do": "did",
    "enter": "entered",
    "explain": "explained",
    "fact-check": "fact-checked",
    "find": "found",
    "finish": "finished",
    "get": "got",
    "give": "gave",
    "have": "had",
    "help": "helped",
    "interview": "interviewed",
    "investigate": "investigated",
    "invite": "invited",
    "join": "joined",
    "keep": "kept",
    "launch": "launched",
    "lead": "led",
    "listen": "listened",
    "make": "made",
    "manage": "managed",
    "meet": "met",
    "name": "named",
    "organise": "organised",
    "pitch": "pitched",
    "plan": "planned",
    "play": "played",
    "practise": "practised",
    "present": "presented",
    "produce": "produced",
    "put": "put",
    "raise": "raised",
    "reach": "reached",
    "record": "recorded",
    "represent": "represented",
    "review": "reviewed",
    "research": "researched",
    "run": "ran",
    "see": "saw",
    "set": "set",
    "share": "shared",
    "show": "showed",
    "sketch": "sketched",
    "solve": "solved",
    "speak": "spoke",
    "stand": "stood",
    "start": "started",
    "stay": "stayed",
    "stick": "stuck",
    "suggest": "suggested",
    "support": "supported",
    "take": "took",
    "teach": "taught",
    "tell": "told",
    "think": "thought",
    "track": "tracked",
    "try": "tried",
    "use": "used",
    "volunteer": "volunteered",
    "vote": "voted",
    "welcome": "welcomed",
    "work": "worked",
    "write": "wrote",
}
PERSON = {"your": "my", "you": "I", "yourself": "myself", "yours": "mine"}
SLIPS = {
    "because": "becuase",
    "really": "realy",
    "which": "wich",
    "finished": "finshed",
    "different": "diffrent",
    "interesting": "intresting",
    "nervous": "nervus",
    "people": "poeple",
    "decided": "desided",
    "thought": "thort",
    "would": "wood",
    "their": "there",
    "friend": "freind",
    "practised": "practiced",
}
# Words that edits put in (replacing a word or inserted): everyday words children use.
EDIT_WORDS = (  # noqa: SIM905 - 150 words read better as text than as a list
    "really very also then big little good great some lots kind fun nice hard easy quickly "
    "slowly because so but and first next after everyone people children friends work things "
    "today class school teacher help made did went said thought learned found showed told asked "
    "our my the a this that it was were felt amazing brilliant interesting important lovely "
    "super quite actually just even still again together loads most best better worse year "
    "group team lesson project idea ideas time week day whole small large new old other another "
    "many few more less always never sometimes often maybe probably definitely everybody "
    "somebody nobody nearly almost enough too back out up down over around about into"
).split()


@dataclass
class Prompt:
    """One step the class answers."""

    statement: str
    stmt: str = ""  # the statement as a clause: "ask your teacher a question ..."
    can: str = ""  # in the first person: "ask my teacher a question ..."
    past: str = ""  # in the first person and the past: "I asked my teacher ...", or ""

    def __post_init__(self):
        clause = self.statement.strip().rstrip(".!?")
        self.stmt = clause[:1].lower() + clause[1:]
        words = self.stmt.split()
        self.can = " ".join(PERSON.get(w, w) for w in words)
        first = words[0].lower() if words else ""
        if first in PAST:
            out = []
            for i, w in enumerate(words):
                after = i == 0 or words[i - 1] in ("and", "then")
                out.append(PAST[w] if after and w in PAST else PERSON.get(w, w))
            self.past = "I " + " ".join(out)


class Writer:
    """Children's answers to a step, and copies of them."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def _value(self, name: str, kept: dict, prompt: Prompt) -> str:
        key = name.lower()
        if key in ("stmt", "can", "past"):
            value = getattr(prompt, key)
        elif key in kept:
            value = kept[key]
        elif key == "a_adj":
            adj = self.rng.choice(SPECIFIC["adj"])
            value = ("an " if adj[0] in "aeiou" else "a ") + adj
        elif key in SPECIFIC:
            value = self.rng.choice(SPECIFIC[key])
        else:
            value = self.rng.choice(POOLS.get(key) or EXTRA[key])
            value = SLOT.sub(lambda m: self._value(m.group(1), kept, prompt), value)
        return value[:1].upper() + value[1:] if name[:1].isupper() else value

    @staticmethod
    def _usable(templates: list[str], prompt: Prompt) -> list[str]:
        """Templates that read well with this step: "I can {can}" needs a statement that starts
        with a verb ("Lead a group ..."), not "When things go wrong, ..."."""
        if prompt.past:
            return templates
        return [t for t in templates if not VERB_LED.search(t)]

    def _sentence(self, template: str, kept: dict, prompt: Prompt) -> str:
        template = CHOICE.sub(lambda m: self.rng.choice(m.group(1).split("|")), template)
        return SLOT.sub(lambda m: self._value(m.group(1), kept, prompt), template)

    def honest(self, prompt: Prompt, target: int | None = None) -> str:
        """One learner's own answer to the step, about `target` words (30-120 by default)."""
        rng = self.rng
        target = target or rng.randint(*HONEST_WORDS)
        kept = {name: rng.choice(POOLS[name]) for name in KEPT}
        openers = self._usable(TEMPLATES["open"], prompt)
        count = max(1, round(target / 10.5))
        groups = list(GROUP_WEIGHTS)
        chosen = {g: [] for g in groups}
        for _ in range(count - 1):
            group = rng.choices(groups, weights=[GROUP_WEIGHTS[g] for g in groups])[0]
            left = [t for t in self._usable(TEMPLATES[group], prompt) if t not in chosen[group]]
            if left:
                chosen[group].append(rng.choice(left))
        plan = [rng.choice(openers)] + [t for g in groups for t in chosen[g]]
        sentences = [self._sentence(t, kept, prompt) for t in plan]
        most = max(min(target + 8, HONEST_WORDS[1]), target)
        while sum(len(s.split()) for s in sentences) > most and len(sentences) > 1:
            sentences.pop(rng.randrange(1, len(sentences)))
        while sum(len(s.split()) for s in sentences) < min(target, HONEST_WORDS[0]):
            group = rng.choice(groups)
            template = rng.choice(self._usable(TEMPLATES[group], prompt))
            sentences.append(self._sentence(template, kept, prompt))
        return self._style(" ".join(s[:1].upper() + s[1:] for s in sentences))

    def _style(self, answer: str) -> str:
        """How this child writes: some join sentences with "and", slip on spellings, forget
        capitals or full stops."""
        rng = self.rng
        if rng.random() < 0.15:
            answer = re.sub(r"\. (\w)", lambda m: " and " + m.group(1).lower(), answer, count=2)
        if rng.random() < 0.2:
            answer = " ".join(
                SLIPS.get(w, w) if rng.random() < 0.6 else w for w in answer.split(" ")
            )
        if rng.random() < 0.1:
            answer = answer.lower()
        if rng.random() < 0.08:
            answer = answer.replace(".", "")
        answer = re.sub(r"\bi\b", "I", answer) if rng.random() < 0.7 else answer
        return answer

    def edited(self, answer: str, fraction: float) -> str:
        """A copy with `fraction` of its words edited: replaced, inserted or deleted at random
        positions (at least one edit)."""
        rng = self.rng
        tokens = answer.split()
        edits = max(1, round(fraction * len(tokens)))
        for position in sorted(rng.sample(range(len(tokens)), edits), reverse=True):
            kind = rng.random()
            word = rng.choice(EDIT_WORDS)
            if kind < 0.5:
                old = tokens[position]
                while word == old.lower().strip(".,!?"):
                    word = rng.choice(EDIT_WORDS)
                tail = old[len(old.rstrip(".,!?")) :]
                tokens[position] = (word.capitalize() if old[:1].isupper() else word) + tail
            elif kind < 0.75:
                tokens.insert(position, word)
            else:
                del tokens[position]
        return " ".join(tokens)

    def partial(self, source: str, prompt: Prompt) -> tuple[str, float, float]:
        """A new answer with a run of the source's sentences in it. Returns the text, the run's
        share of the source's words and its share of the new text's words."""
        rng = self.rng
        sentences = SENTENCE_END.split(source.strip())
        if len(sentences) < 2:  # written without full stops: runs of 12 words instead
            words = source.split()
            sentences = [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)]
        total = len(source.split())
        want = rng.uniform(*PARTIAL_OF_SOURCE) * total
        start = rng.randrange(len(sentences))
        stop = start + 1
        while sum(len(s.split()) for s in sentences[start:stop]) < want:
            if stop < len(sentences):
                stop += 1
            else:
                start -= 1
        run = " ".join(sentences[start:stop])
        copied = len(run.split())
        share = rng.uniform(*PARTIAL_OF_NEW)
        fresh = SENTENCE_END.split(self.honest(prompt, max(8, round(copied * (1 - share) / share))))
        at = rng.randint(0, len(fresh))
        answer = " ".join([*fresh[:at], run, *fresh[at:]])
        return answer, copied / total, copied / len(answer.split())


# --- the parent: throwaway databases and child processes ---------------------------------------


def child_env(var_dir: Path, database_url: str) -> dict[str, str]:
    env = bench_env(var_dir, database_url)  # nothing inherited points the run at real data
    env["DJANGO_SETTINGS_MODULE"] = "pbyp.settings"
    return env


def run_part(part: str, argv: list[str], var_dir: Path, databases: list[str], engine: str) -> dict:
    """Runs one part in a child process with a database of its own; returns its result."""
    work = var_dir / part
    work.mkdir()
    if engine == "postgres":
        databases.append(f"pbyp_bench_{secrets.token_hex(4)}")
        postgres_create(databases[-1])
        url = postgres_url(databases[-1])
    else:
        url = f"sqlite:///{work / 'pbyp.sqlite3'}"
    result = work / "result.json"
    command = [sys.executable, str(Path(__file__).resolve()), *argv, "--part", part]
    child = subprocess.Popen([*command, "--result", str(result)], env=child_env(work, url))
    try:
        code = child.wait()
    finally:
        if child.poll() is None:  # we were interrupted: stop the child before its database goes
            child.terminate()
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    if code:
        raise BenchError(f"the {part} part failed (exit {code}); its error is above")
    return json.loads(result.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--corpus", type=Path, help="a labelled corpus (see above)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--prompts", type=int, default=24, help="generated corpus: steps")
    parser.add_argument(
        "--class-size", type=int, default=40, help="generated corpus: honest answers per step"
    )
    parser.add_argument("--scale", type=int, default=100_000, help="submissions indexed")
    parser.add_argument("--checks", type=int, default=200, help="timed checks at scale")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument(
        "--experiment",
        action="append",
        default=[],
        metavar="MODULE.NAME=VALUE",
        help="change a constant of pbyp.integrity.checks or .text (figures are then not the "
        "product's)",
    )
    parser.add_argument("--part", choices=("accuracy", "scale"), help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 1 <= args.prompts <= 24 or args.class_size < 4:
        parser.error("--prompts must be 1 to 24 (one per default ladder), --class-size at least 4")
    if args.scale < 1000 or args.checks < 10:
        parser.error("--scale must be at least 1000 and --checks at least 10")
    for item in args.experiment:
        if not re.fullmatch(r"(checks|text)\.[A-Z_]+=[-+.\w]+", item):
            parser.error(
                f"--experiment {item!r}: write MODULE.NAME=VALUE, e.g. checks.NEAR_TEXT=0.4"
            )
    if args.corpus is not None:
        args.corpus = args.corpus.resolve()
        if not (args.corpus / "texts").is_dir() or not (args.corpus / "pairs.csv").is_file():
            parser.error(f"--corpus {args.corpus}: needs texts/<id>.txt and pairs.csv")
    if args.part:
        return child_main(args)

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)  # clean up on `kill` as on Ctrl-C

    experiment = " ".join(args.experiment)
    print(
        f"integrity: database={args.database} "
        + (f"corpus={args.corpus} " if args.corpus else f"prompts={args.prompts} ")
        + (f"class_size={args.class_size} " if not args.corpus else "")
        + ("scale=skipped " if args.skip_scale else f"scale={args.scale} checks={args.checks} ")
        + f"seed={args.seed} python={platform.python_version()} "
        f"django={importlib.metadata.version('django')}",
        flush=True,
    )
    if experiment:
        print(f"EXPERIMENT: product constants changed ({experiment}): not the product's figures")
    argv = list(sys.argv[1:])
    var_dir = Path(tempfile.mkdtemp(prefix="pbyp_bench_"))
    databases: list[str] = []
    started = time.perf_counter()
    try:
        accuracy = run_part("accuracy", argv, var_dir, databases, args.database)
        for line in accuracy["lines"]:
            print(line, flush=True)
        scale = {"p99_ms": None, "n": 0}
        if not args.skip_scale:
            scale = run_part("scale", argv, var_dir, databases, args.database)
            for line in scale["lines"]:
                print(line, flush=True)
        print(f"total: seconds={time.perf_counter() - started:.0f}")
        p99 = "-" if scale["p99_ms"] is None else f"{scale['p99_ms']:.1f}"
        name = f"integrity EXPERIMENT({experiment})" if experiment else "integrity"
        print(
            f"{name}: precision={accuracy['precision']:.3f} recall={accuracy['recall']:.3f} "
            f"p99_ms={p99} n={scale['n']}",
            flush=True,
        )
        return 0
    except BenchError as error:
        print(f"integrity: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("integrity: interrupted", file=sys.stderr)
        return 130
    finally:
        clean_up("integrity", var_dir, databases)


# --- the children -------------------------------------------------------------------------------


def child_main(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter() - started
    rng = random.Random(f"{args.seed}-{args.part}")
    try:
        experiment(args.experiment)
        if args.part == "scale":
            result = scale(args, rng)
        elif args.corpus:
            result = accuracy_of_corpus(args.corpus, rng)
        else:
            result = accuracy_generated(args, rng)
    except BenchError as error:
        print(f"integrity: {error}", file=sys.stderr)
        return 1
    result["lines"].insert(0, f"{args.part}: migrate_seconds={migrated:.1f}")
    if args.experiment:
        result["lines"].insert(0, f"{args.part}: EXPERIMENT {' '.join(args.experiment)}")
    Path(args.result).write_text(json.dumps(result))
    return 0


def experiment(changes: list[str]) -> None:
    """Sets constants of pbyp.integrity.checks / .text (and the keyword defaults that copied
    them when the functions were defined)."""
    from pbyp.integrity import checks, text

    if not changes:
        return
    modules = {"checks": checks, "text": text}
    for change in changes:
        target, raw = change.split("=", 1)
        module_name, name = target.split(".", 1)
        module = modules[module_name]
        if not hasattr(module, name):
            raise BenchError(f"--experiment {change}: pbyp.integrity.{module_name} has no {name}")
        old = getattr(module, name)
        setattr(module, name, type(old)(raw))
    text.MIN_WORDS = text.K + text.W - 1
    text.fingerprints.__kwdefaults__.update(k=text.K, window=text.W)
    text.containment.__kwdefaults__["n"] = text.VERIFY_N
    text.matched_spans.__kwdefaults__["n"] = text.VERIFY_N


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def share(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def seed_learners(count: int, rng: random.Random):
    """A school with `count` learners (Years 5-11); returns it and its learners' memberships."""
    from django.db import transaction

    from pbyp.schools.demo import seed_school
    from pbyp.schools.models import Membership

    with transaction.atomic():
        school = seed_school(
            name="Integrity Bench School",
            slug="integrity",
            learners=count,
            teachers=4,
            parents=0,
            seed=rng.randrange(1 << 30),
        ).school
    members = list(Membership.objects.learners().filter(school=school).order_by("pk"))
    return school, members


def create_evidence(school, rows, start: datetime) -> list:
    """Bulk-created submissions waiting for their check, as `evidence_submit` leaves them: one
    per (membership, step, text), `start` + 1 minute apart. Returns them, loaded as the worker
    loads them."""
    from pbyp.evidence.models import Context, Evidence, Route
    from pbyp.schools.models import assessing_phase

    made = Evidence.objects.bulk_create(
        [
            Evidence(
                school=school,
                learner_id=member.user_id,
                step=step,
                ladder_identifier=step.ladder.identifier,
                step_identifier=step.identifier,
                level=step.level,
                reflection=body,
                context=Context.LESSON,
                text="",
                route=Route.CHECKING,
                phase=assessing_phase(member.year),
                reviews_wanted=school.peer_consensus,
            )
            for member, step, body in rows
        ],
        batch_size=1000,
    )
    for i, evidence in enumerate(made):
        evidence.submitted_at = start + timedelta(minutes=i)
    Evidence.objects.bulk_update(made, ["submitted_at"], batch_size=1000)
    loaded = Evidence.objects.select_related("step__ladder", "school").in_bulk([e.pk for e in made])
    return [loaded[e.pk] for e in made]


def check_all(evidences) -> list[float]:
    """The product's check on each submission in turn; returns the times in ms."""
    from pbyp.integrity.checks import check

    times = []
    for evidence in evidences:
        begun = time.perf_counter()
        check(evidence)
        times.append((time.perf_counter() - begun) * 1000)
    return times


def holding_flags(evidence_ids) -> dict[int, set[int]]:
    """Work held by the checks: evidence id → the ids of the work it was matched with."""
    from pbyp.integrity.models import Flag

    held: dict[int, set[int]] = {}
    for pk, other in Flag.objects.filter(holds=True, evidence__in=evidence_ids).values_list(
        "evidence_id", "other_id"
    ):
        held.setdefault(pk, set()).add(other)
    return held


# --- accuracy: a generated corpus ---------------------------------------------------------------


@dataclass
class Item:
    """One generated submission."""

    prompt: int
    kind: str  # "honest", "edit 5%", "edit 10%", "edit 20%", "partial"
    text: str
    family: int  # the index of the answer it copies (its own index when honest)
    when: float  # when it arrives in its class's work, 0 to 1
    of_source: float = 0.0  # partial copies: the copied run's share of the source
    of_new: float = 0.0  # partial copies: the copied run's share of the copy
    pk: int = 0


def generate(writer: Writer, prompts: list[Prompt], size: int, rng: random.Random) -> list[Item]:
    items: list[Item] = []
    for p, prompt in enumerate(prompts):
        first = len(items)
        for _ in range(size):
            items.append(Item(p, "honest", writer.honest(prompt), len(items), rng.random()))
        for source in rng.sample(items[first:], size // 2):
            for level in EDIT_LEVELS:
                copy = writer.edited(source.text, level)
                when = rng.uniform(source.when, 1)
                items.append(Item(p, f"edit {level:.0%}", copy, source.family, when))
            copy, of_source, of_new = writer.partial(source.text, prompt)
            when = rng.uniform(source.when, 1)
            items.append(Item(p, "partial", copy, source.family, when, of_source, of_new))
    return items


def accuracy_generated(args, rng: random.Random) -> dict:
    from django.utils import timezone

    from pbyp.ladders.models import Step

    writer = Writer(rng)
    per_class = args.class_size + (args.class_size // 2) * (len(EDIT_LEVELS) + 1)
    school, members = seed_learners(per_class + 20, rng)
    ladders: dict[int, list] = {}
    for step in Step.objects.filter(school=school).select_related("ladder").order_by("pk"):
        ladders.setdefault(step.ladder_id, []).append(step)
    steps = [rng.choice(ladders[k]) for k in sorted(ladders)][: args.prompts]
    prompts = [Prompt(step.statement) for step in steps]
    items = generate(writer, prompts, args.class_size, rng)

    # Each class in turn, in the order its work arrives; every piece by a different learner.
    order = []
    for p in range(len(prompts)):
        in_class = sorted(
            (i for i, item in enumerate(items) if item.prompt == p), key=lambda i: items[i].when
        )
        learners = rng.sample(members, len(in_class))
        order += [(i, learners[k]) for k, i in enumerate(in_class)]
    start = timezone.now() - timedelta(days=60)
    evidences = create_evidence(
        school, [(m, steps[items[i].prompt], items[i].text) for i, m in order], start
    )
    for (i, _), evidence in zip(order, evidences, strict=True):
        items[i].pk = evidence.pk
    began = time.perf_counter()
    times = check_all(evidences)
    seconds = time.perf_counter() - began

    held = holding_flags([e.pk for e in evidences])
    of = {item.pk: item for item in items}
    lines = [
        f"accuracy: generated prompts={len(prompts)} submissions={len(items)} "
        f"honest={sum(i.kind == 'honest' for i in items)} "
        f"copies={sum(i.kind != 'honest' for i in items)} "
        f"words_median={statistics.median(len(i.text.split()) for i in items):.0f} "
        f"check_seconds={seconds:.1f} check_p50_ms={percentile(times, 50):.1f} "
        f"check_p99_ms={percentile(times, 99):.1f}"
    ]
    copies = [i for i in items if i.kind != "honest"]
    caught = {i.pk: items[i.family].pk in held.get(i.pk, ()) for i in copies}
    for kind in [f"edit {level:.0%}" for level in EDIT_LEVELS]:
        group = [i for i in copies if i.kind == kind]
        found = sum(caught[i.pk] for i in group)
        lines.append(
            f"recall: {kind.replace(' ', '=')} pairs={len(group)} flagged={found} "
            f"recall={share(found, len(group))}"
        )
    for kind in [*(f"edit {level:.0%}" for level in EDIT_LEVELS), "partial"]:
        missed = [i for i in copies if i.kind == kind and not caught[i.pk]]
        if missed:
            lines.append(f"misses: {kind.replace(' ', '=')} {why_missed(missed, items, steps)}")
    partial = [i for i in copies if i.kind == "partial"]
    found = sum(caught[i.pk] for i in partial)
    halves = []
    for low, high in ((0.0, 0.5), (0.5, 0.75), (0.75, 1.01)):
        group = [i for i in partial if low <= i.of_source < high]
        if group:
            hit = sum(caught[i.pk] for i in group)
            halves.append(f"{low:.0%}-{min(high, 1):.0%}:{share(hit, len(group))}(n={len(group)})")
    lines.append(
        f"recall: partial pairs={len(partial)} flagged={found} recall={share(found, len(partial))}"
        f" (copied run 40-60% of the copy; by its share of the source: {' '.join(halves)})"
    )
    honest = [i for i in items if i.kind == "honest"]
    flagged = [i for i in honest if held.get(i.pk)]
    pairs = sum(
        n * (n - 1) // 2 for n in (sum(i.prompt == p for i in honest) for p in range(len(prompts)))
    )
    pair_flags = sum(
        1
        for i in honest
        for other in held.get(i.pk, ())
        if other in of and of[other].kind == "honest" and of[other].prompt == i.prompt
    )
    lines.append(
        f"false_flags: honest={len(honest)} held={len(flagged)} "
        f"rate={share(len(flagged), len(honest))} (an honest answer held, against any other text)"
    )
    lines.append(
        f"false_flags: honest_pairs={pairs} flagged={pair_flags} rate={share(pair_flags, pairs)}"
        " (pairs of honest answers to the same step)"
    )
    raised = [(pk, other) for pk, others in held.items() for other in others]
    right = sum(
        1
        for pk, other in raised
        if other in of and of[pk].kind != "honest" and of[pk].family == of[other].family
    )
    wrong_on_copies = sum(1 for pk, other in raised if of[pk].kind != "honest") - right
    lines.append(
        f"precision: holding_flags={len(raised)} right={right} wrong_on_honest="
        f"{sum(len(held.get(i.pk, ())) for i in honest)} wrong_on_copies={wrong_on_copies} "
        f"precision={share(right, len(raised))}"
    )
    if raised and len(raised) > right:
        lines.append(f"wrong_flags: {about_wrong(raised, of)}")
    for item in flagged[:3]:
        other = of.get(min(held[item.pk]))
        lines.append(f"false_flag_example: {item.text!r}")
        lines.append(
            f"  held against ({other.kind if other else '?'}): {other.text if other else ''!r}"
        )
    precision = right / len(raised) if raised else float("nan")
    recall = sum(caught.values()) / len(copies) if copies else 0.0
    return {"lines": lines, "precision": precision, "recall": recall}


def why_missed(missed: list[Item], items: list[Item], steps) -> str:
    """Why copies were not flagged: the containment the product would compute for the pair
    (below NEAR_TEXT: the verification said no), else too few shared fingerprints to be a
    candidate (MIN_SHARED; common ones not counted)."""
    from types import SimpleNamespace

    from pbyp.integrity import checks, text

    low, shared, scores = 0, [], []
    for item in missed:
        statement = checks.statement_tokens(SimpleNamespace(step=steps[item.prompt]))
        ignore = set(text.ngrams(statement, text.VERIFY_N))
        a, b = text.words(items[item.family].text), text.words(item.text)
        score = text.containment(b, a, ignore=ignore)
        scores.append(score)
        if score < checks.NEAR_TEXT:
            low += 1
        else:
            ignored = text.fingerprints(statement)
            shared.append(len((text.fingerprints(a) - ignored) & (text.fingerprints(b) - ignored)))
    few = sum(n < checks.MIN_SHARED for n in shared)
    return (
        f"n={len(missed)} below_near_text={low} (containment median "
        f"{statistics.median(scores):.2f}, max {max(scores):.2f}) not_a_candidate={len(shared)} "
        f"(sharing fewer than MIN_SHARED fingerprints: {few}; crowded out or common: "
        f"{len(shared) - few})"
    )


def about_wrong(raised: list[tuple[int, int]], of: dict[int, Item]) -> str:
    """Flags between texts that do not copy each other: their scores and lengths."""
    from pbyp.integrity.models import Flag

    wrong = [
        (pk, other)
        for pk, other in raised
        if other not in of or of[pk].kind == "honest" or of[pk].family != of[other].family
    ]
    found = Flag.objects.filter(holds=True, evidence__in={pk for pk, _ in wrong})
    scores = {
        (pk, other): score
        for pk, other, score in found.values_list("evidence_id", "other_id", "score")
    }
    shorter = [min(len(of[p].text.split()), len(of[o].text.split())) for p, o in wrong if o in of]
    values = [scores[pair] for pair in wrong if pair in scores]
    quoting = sum(
        1 for p, o in wrong if o in of and "I can" in of[p].text and "I can" in of[o].text
    )
    return (
        f"n={len(wrong)} score_median={statistics.median(values):.2f} "
        f"shorter_text_words_median={statistics.median(shorter):.0f} "
        f"both_say_i_can={quoting} (the step in the first person: 'I can ... my ...')"
    )


# --- accuracy: a corpus from a directory --------------------------------------------------------


def natural(key: str) -> list:
    """ "2" before "10": runs of digits compare as numbers."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", key)
    ]


def read_corpus(folder: Path) -> tuple[dict[str, str], list[tuple[str, str, int]], str]:
    texts = {
        path.stem: path.read_text(encoding="utf-8")
        for path in sorted((folder / "texts").glob("*.txt"))
    }
    if not texts:
        raise BenchError(f"{folder / 'texts'} has no .txt files")
    pairs = []
    with open(folder / "pairs.csv", newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if [h.strip() for h in reader.fieldnames or []] != ["a", "b", "copied"]:
            raise BenchError(f"{folder / 'pairs.csv'}: the header must be a,b,copied")
        for number, row in enumerate(reader, start=2):
            a, b, copied = (row[k].strip() for k in ("a", "b", "copied"))
            for key in (a, b):
                if key not in texts:
                    raise BenchError(f"pairs.csv line {number}: no texts/{key}.txt")
            if copied not in ("0", "1") or a == b:
                raise BenchError(f"pairs.csv line {number}: copied must be 0 or 1, and a ≠ b")
            pairs.append((a, b, int(copied)))
    prompt = folder / "prompt.txt"
    return texts, pairs, prompt.read_text(encoding="utf-8").strip() if prompt.is_file() else ""


def corpus_order(keys: list[str], pairs) -> list[str]:
    """Natural id order, except that each pair's a comes before its b (when only a cycle is
    left waiting, it is broken at its first id in natural order)."""
    import heapq

    after: dict[str, set[str]] = {k: set() for k in keys}
    waiting = dict.fromkeys(keys, 0)
    for a, b, _ in pairs:
        if b not in after[a]:
            after[a].add(b)
            waiting[b] += 1
    rank = {k: i for i, k in enumerate(sorted(keys, key=natural))}
    ready = [(rank[k], k) for k in keys if not waiting[k]]
    heapq.heapify(ready)
    order, placed = [], set()
    while len(order) < len(keys):
        if not ready:  # a cycle: take the first id still waiting
            key = min((k for k in keys if k not in placed), key=rank.get)
            heapq.heappush(ready, (rank[key], key))
            waiting[key] = 0
        _, key = heapq.heappop(ready)
        if key in placed:
            continue
        order.append(key)
        placed.add(key)
        for b in after[key]:
            waiting[b] -= 1
            if waiting[b] == 0 and b not in placed:
                heapq.heappush(ready, (rank[b], b))
    return order


def accuracy_of_corpus(folder: Path, rng: random.Random) -> dict:
    from django.utils import timezone

    from pbyp.ladders.models import Step

    texts, pairs, statement = read_corpus(folder)
    order = corpus_order(list(texts), pairs)
    school, members = seed_learners(len(texts), rng)
    step = Step.objects.filter(school=school).select_related("ladder").order_by("pk").first()
    Step.objects.filter(pk=step.pk).update(statement=statement, early_years="")
    step.statement, step.early_years = statement, ""
    start = timezone.now() - timedelta(days=60)
    learners = rng.sample(members, len(order))
    evidences = create_evidence(
        school, [(m, step, texts[k]) for k, m in zip(order, learners, strict=True)], start
    )
    pk = {key: e.pk for key, e in zip(order, evidences, strict=True)}
    began = time.perf_counter()
    times = check_all(evidences)
    seconds = time.perf_counter() - began

    held = holding_flags(list(pk.values()))
    position = {key: i for i, key in enumerate(order)}
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    backwards = 0
    for a, b, copied in pairs:
        flagged = pk[a] in held.get(pk[b], ())
        backwards += position[b] < position[a]
        counts[("t" if flagged == bool(copied) else "f") + ("p" if flagged else "n")] += 1
    listed = {(pk[b], pk[a]) for a, b, _ in pairs}
    unlisted = sum(1 for b, others in held.items() for a in others if (b, a) not in listed)
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    lines = [
        f"corpus: dir={folder} texts={len(texts)} pairs={len(pairs)} "
        f"copied={sum(c for *_, c in pairs)} statement_words={len(statement.split())} "
        f"check_seconds={seconds:.1f} check_p50_ms={percentile(times, 50):.1f} "
        f"check_p99_ms={percentile(times, 99):.1f}",
        f"corpus: tp={tp} fp={fp} fn={fn} tn={counts['tn']}",
        f"corpus: precision={precision:.3f} recall={recall:.3f} f1={f1:.3f}",
        f"corpus: holding_flags_outside_pairs={unlisted} (held texts matched with a text no pair "
        "lists with them)",
    ]
    if backwards:
        lines.append(
            f"corpus: WARNING {backwards} pairs have b indexed before a (pairs.csv has a cycle): "
            "the product cannot flag those"
        )
    return {"lines": lines, "precision": precision, "recall": recall}


# --- scale --------------------------------------------------------------------------------------

_statements: dict[tuple[str, str], tuple[set[int], object]] = {}


def index_rows(step: tuple[str, str], body: str) -> tuple[list[int], str]:
    """What `check` indexes for a submission whose whole text is `body`, on a step with this
    (statement, early years wording): its fingerprints less the statement's (sorted, at most
    MAX_PRINTS), and its normalised digest ("" when too short to be flagged, or the statement
    itself). The product's own functions decide what the statement covers."""
    from types import SimpleNamespace

    from pbyp.integrity import checks, text

    if step not in _statements:
        statement, early_years = step
        work = SimpleNamespace(step=SimpleNamespace(statement=statement, early_years=early_years))
        _statements[step] = (text.fingerprints(checks.statement_tokens(work)), work)
    ignored, work = _statements[step]
    prints = sorted(text.fingerprints(text.words(body)) - ignored)[: text.MAX_PRINTS]
    digests = checks._digests(work, checks.Submission(parts=[body, ""]))
    return prints, next(iter(digests), "")


def scale_chunk(job) -> list[tuple]:
    """Generates one chunk of the scale index (run in a pool): (step, learner, text, prints,
    digest) per submission."""
    chunk, count, seed, step_texts, learners = job
    rng = random.Random(f"{seed}-scale-{chunk}")
    writer = Writer(rng)
    prompts = [Prompt(statement) for statement, _ in step_texts]
    recent: dict[int, list[tuple[int, str]]] = {}
    rows = []
    for _ in range(count):
        step = rng.randrange(len(step_texts))
        learner = rng.randrange(learners)
        earlier = recent.get(step)
        if earlier and rng.random() < SCALE_COPIES:
            source_learner, source = rng.choice(earlier)
            body = writer.edited(source, 0.10)
            if learner == source_learner:
                learner = (learner + 1) % learners
        else:
            body = writer.honest(prompts[step])
            recent.setdefault(step, []).append((learner, body))
            del recent[step][:-50]
        rows.append((step, learner, body, *index_rows(step_texts[step], body)))
    return rows


def insert_rows(cursor, table: str, columns: list[str], rows) -> None:
    """COPY on PostgreSQL, executemany on SQLite."""
    from django.db import connection

    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {qn(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {qn(table)} ({names}) VALUES ({marks})", rows)  # noqa: S608


FINGERPRINTS_FROM_STAGE = """
INSERT INTO {fingerprint} (school_id, evidence_id, learner_id, step_identifier, hash)
SELECT e.school_id, s.evidence_id, e.learner_id, e.step_identifier, s.hash
FROM (
    SELECT evidence_id, hash,
           ROW_NUMBER() OVER (PARTITION BY hash ORDER BY evidence_id) AS earlier
    FROM bench_prints
) s
JOIN {evidence} e ON e.id = s.evidence_id
LEFT JOIN {frequency} f ON f.hash = s.hash
WHERE COALESCE(f.n, 0) + s.earlier <= %s
ORDER BY s.evidence_id, s.hash
"""
# `check` stores a fingerprint unless it was already in COMMON or more submissions: the first
# COMMON submissions with a fingerprint store it; FingerprintFrequency counts them all.
FREQUENCY_FROM_STAGE = """
INSERT INTO {frequency} (hash, n)
SELECT hash, COUNT(*) FROM bench_prints WHERE 1 = 1 GROUP BY hash
ON CONFLICT (hash) DO UPDATE SET n = {frequency}.n + excluded.n
"""


class Index:
    """Writes submissions and their index rows in bulk, the rows `check` would write."""

    def __init__(self, school, steps, members, start: datetime, spread: timedelta):
        from django.db import connection

        from pbyp.evidence.models import Evidence, Route, Status
        from pbyp.integrity.models import FingerprintFrequency, TextDigest, TextFingerprint

        self.school, self.steps, self.members = school, steps, members
        self.start, self.spread = start, spread
        self.tables = {
            "evidence": connection.ops.quote_name(Evidence._meta.db_table),
            "fingerprint": connection.ops.quote_name(TextFingerprint._meta.db_table),
            "frequency": connection.ops.quote_name(FingerprintFrequency._meta.db_table),
        }
        self.digest_table = TextDigest._meta.db_table
        self.evidence_table = Evidence._meta.db_table
        fields = [f for f in Evidence._meta.concrete_fields if not f.primary_key]
        template = Evidence(
            school=school,
            context="lesson",
            status=Status.ACHIEVED,
            route=Route.TEACHER,
            reviews_wanted=school.peer_consensus,
        )
        self.fields = {f.attname: f for f in Evidence._meta.concrete_fields}
        self.columns = ["id"] + [f.column for f in fields]
        self.base = [None] + [
            f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields
        ]
        self.slot = {f.attname: i + 1 for i, f in enumerate(fields)}
        self.step_values = [
            (
                step.pk,
                self.prep("ladder_identifier", step.ladder.identifier),
                self.prep("step_identifier", step.identifier),
                step.level,
            )
            for step in steps
        ]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.tables['evidence']}")  # noqa: S608
            self.next_id = cursor.fetchone()[0] + 1
            if connection.vendor == "postgresql":
                cursor.execute(
                    "CREATE UNLOGGED TABLE bench_prints (evidence_id bigint NOT NULL, "
                    "hash bigint NOT NULL)"
                )
            else:
                cursor.execute("CREATE TABLE bench_prints (evidence_id integer, hash integer)")
        self.written = 0
        self.total = 0

    def prep(self, attname: str, value):
        from django.db import connection

        return self.fields[attname].get_db_prep_save(value, connection)

    def write(self, rows: list[tuple]) -> None:
        from django.db import connection, transaction

        evidence_rows, digest_rows, print_rows = [], [], []
        for step, learner, body, prints, digest in rows:
            pk = self.next_id
            self.next_id += 1
            member = self.members[learner]
            step_id, ladder_identifier, step_identifier, level = self.step_values[step]
            when = self.start + self.spread * (self.written / max(self.total, 1))
            self.written += 1
            row = list(self.base)
            row[0] = pk
            for name, value in (
                ("learner_id", member.user_id),
                ("step_id", step_id),
                ("ladder_identifier", ladder_identifier),
                ("step_identifier", step_identifier),
                ("level", level),
                ("reflection", body),
                ("submitted_at", self.prep("submitted_at", when)),
                ("decided_at", self.prep("decided_at", when + timedelta(days=2))),
                ("routed_at", self.prep("routed_at", when)),
                ("phase", "secondary" if (member.year or 0) >= 7 else "primary"),
            ):
                row[self.slot[name]] = value
            evidence_rows.append(row)
            if digest:
                digest_rows.append((self.school.pk, pk, member.user_id, step_identifier, digest))
            print_rows.extend((pk, h) for h in prints)
        from pbyp.integrity.checks import COMMON

        with transaction.atomic(), connection.cursor() as cursor:
            insert_rows(cursor, self.evidence_table, self.columns, evidence_rows)
            insert_rows(
                cursor,
                self.digest_table,
                ["school_id", "evidence_id", "learner_id", "step_identifier", "digest"],
                digest_rows,
            )
            insert_rows(cursor, "bench_prints", ["evidence_id", "hash"], print_rows)
            cursor.execute(FINGERPRINTS_FROM_STAGE.format(**self.tables), [COMMON])
            cursor.execute(FREQUENCY_FROM_STAGE.format(**self.tables))
            cursor.execute("DELETE FROM bench_prints")

    def finish(self) -> None:
        from django.core.management.color import no_style
        from django.db import connection

        from pbyp.evidence.models import Evidence

        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_prints")
            for statement in connection.ops.sequence_reset_sql(no_style(), [Evidence]):
                cursor.execute(statement)


def index_size() -> tuple[dict[str, int], int]:
    """Bytes on disk of each integrity index table with its indexes, and of the whole database."""
    from django.conf import settings
    from django.db import connection

    from pbyp.integrity.models import (
        FingerprintFrequency,
        ImageHash,
        ImageHashChunk,
        TextDigest,
        TextFingerprint,
    )

    models = (TextFingerprint, FingerprintFrequency, TextDigest, ImageHash, ImageHashChunk)
    tables = [m._meta.db_table for m in models]
    sizes = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute("SELECT pg_total_relation_size(%s)", [table])
                sizes[table] = cursor.fetchone()[0]
            cursor.execute("SELECT pg_database_size(current_database())")
            whole = cursor.fetchone()[0]
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')"
            )
            owner = dict(cursor.fetchall())
            cursor.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
            for name, size in cursor.fetchall():
                table = owner.get(name, name)
                if table in tables:
                    sizes[table] = sizes.get(table, 0) + size
            whole = os.path.getsize(settings.DATABASES["default"]["NAME"])
    return sizes, whole


def scale(args, rng: random.Random) -> dict:
    import multiprocessing

    from django.db import connection, connections
    from django.utils import timezone

    from pbyp.evidence.models import Context, Evidence, Route
    from pbyp.integrity.checks import COMMON, check
    from pbyp.ladders.models import Step
    from pbyp.schools.models import assessing_phase

    lines = []
    n = args.scale
    began = time.perf_counter()
    school, members = seed_learners(max(100, n // SCALE_PER_LEARNER), rng)
    steps = list(Step.objects.filter(school=school).select_related("ladder").order_by("pk"))
    step_texts = [(s.statement, s.early_years) for s in steps]
    now = timezone.now()
    index = Index(school, steps, members, now - timedelta(days=3 * 365), timedelta(days=3 * 365))
    index.total = n
    chunks = [(c, min(SCALE_CHUNK, n - c * SCALE_CHUNK)) for c in range(-(-n // SCALE_CHUNK))]
    jobs = [(c, count, args.seed, step_texts, len(members)) for c, count in chunks]
    connections.close_all()  # the pool forks: no child may share the database connection
    words = prints = 0
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for rows in pool.imap(scale_chunk, jobs):
            index.write(rows)
            words += sum(len(r[2].split()) for r in rows)
            prints += sum(len(r[3]) for r in rows)
            print(
                f"scale: indexed {index.written}/{n} in {time.perf_counter() - began:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    index.finish()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a load like this
        cursor.execute(f"SELECT COUNT(*) FROM {index.tables['fingerprint']}")  # noqa: S608
        stored = cursor.fetchone()[0]
        frequency = index.tables["frequency"]
        cursor.execute(
            f"SELECT COUNT(*), SUM(CASE WHEN n >= %s THEN 1 ELSE 0 END) FROM {frequency}",  # noqa: S608
            [COMMON],
        )
        distinct, common = cursor.fetchone()
    loaded = time.perf_counter() - began
    sizes, whole = index_size()
    total = sum(sizes.values())
    lines.append(
        f"scale: indexed={n} learners={len(members)} steps={len(steps)} "
        f"words_mean={words / n:.0f} fingerprints_mean={prints / n:.1f} "
        f"postings={stored} distinct_fingerprints={distinct} common={common} "
        f"load_seconds={loaded:.0f}"
    )
    parts = " ".join(
        f"{table.split('_', 1)[1]}={size / 2**20:.1f}" for table, size in sizes.items()
    )
    lines.append(
        f"scale: index_mb={total / 2**20:.1f} ({parts}) bytes_per_submission={total / n:.0f} "
        f"database_mb={whole / 2**20:.1f}"
    )

    # New submissions, each checked in full (and committed) as the worker would.
    writer = Writer(rng)
    prompts = [Prompt(statement) for statement, _ in step_texts]
    first = Evidence.objects.order_by("pk").values_list("pk", flat=True).first()
    last = Evidence.objects.order_by("-pk").values_list("pk", flat=True).first()
    sources = list(
        Evidence.objects.filter(pk__in=rng.sample(range(first, last + 1), 200)).values(
            "pk", "learner_id", "step_id", "reflection"
        )
    )
    step_at = {s.pk: i for i, s in enumerate(steps)}
    taken = set()
    times, outcome, held_honest, missed = [], {"copy": [0, 0], "honest": [0, 0]}, [], []
    for i in range(WARM_UP + args.checks):
        copying = rng.random() < TIMED_COPIES
        if copying:
            source = rng.choice(sources)
            step = step_at[source["step_id"]]
            body = writer.edited(source["reflection"], 0.10)
        else:
            source, step = None, rng.randrange(len(steps))
            body = writer.honest(prompts[step])
        member = rng.choice(members)
        own = source["learner_id"] if source else None
        while (member.user_id, step) in taken or member.user_id == own:
            member = rng.choice(members)
        taken.add((member.user_id, step))
        made = Evidence.objects.create(
            school=school,
            learner_id=member.user_id,
            step=steps[step],
            ladder_identifier=steps[step].ladder.identifier,
            step_identifier=steps[step].identifier,
            level=steps[step].level,
            reflection=body,
            context=Context.LESSON,
            route=Route.CHECKING,
            phase=assessing_phase(member.year),
            reviews_wanted=school.peer_consensus,
        )
        evidence = Evidence.objects.select_related("step__ladder", "school").get(pk=made.pk)
        begun = time.perf_counter()
        flags = check(evidence)
        spent = (time.perf_counter() - begun) * 1000
        if i < WARM_UP:
            continue
        times.append(spent)
        kind = "copy" if copying else "honest"
        outcome[kind][0] += 1
        held = {f.other_id for f in flags if f.holds}
        outcome[kind][1] += (source["pk"] in held) if copying else bool(held)
        if held and not copying:
            held_honest.append(len(body.split()))
        if copying and source["pk"] not in held:
            missed.append((evidence, source))
    p50, p99 = percentile(times, 50), percentile(times, 99)
    load = os.getloadavg()[0]  # anything else using the CPU skews the times: say how busy it was
    lines.append(
        f"scale: checks={len(times)} p50_ms={p50:.1f} p90_ms={percentile(times, 90):.1f} "
        f"p99_ms={p99:.1f} max_ms={max(times):.1f} mean_ms={statistics.fmean(times):.1f} "
        f"copies_flagged={outcome['copy'][1]}/{outcome['copy'][0]} "
        f"honest_held={outcome['honest'][1]}/{outcome['honest'][0]} load_1min={load:.1f}"
        + (f" (their words median {statistics.median(held_honest):.0f})" if held_honest else "")
    )
    if missed:
        lines.append(f"scale: missed copies: {why_missed_at_scale(missed)}")
    return {"lines": lines, "p99_ms": p99, "n": n}


def why_missed_at_scale(missed) -> str:
    """Why copies of indexed work were not flagged: the containment of the pair, and how many
    fingerprints the two share before and after leaving out the common ones (n >= COMMON)."""
    from pbyp.integrity import checks, text
    from pbyp.integrity.models import TextFingerprint

    low, few, crowded, all_shared, kept_shared = 0, 0, 0, [], []
    for evidence, source in missed:
        statement = checks.statement_tokens(evidence)
        ignore = set(text.ngrams(statement, text.VERIFY_N))
        a, b = text.words(source["reflection"]), text.words(evidence.reflection)
        stored = {
            pk: set(TextFingerprint.objects.filter(evidence=pk).values_list("hash", flat=True))
            for pk in (evidence.pk, source["pk"])
        }
        kept = len(stored[evidence.pk] & stored[source["pk"]])
        ignored = text.fingerprints(statement)
        all_shared.append(len((text.fingerprints(a) - ignored) & (text.fingerprints(b) - ignored)))
        kept_shared.append(kept)
        if text.containment(b, a, ignore=ignore) < checks.NEAR_TEXT:
            low += 1
        elif kept < checks.MIN_SHARED:
            few += 1
        else:
            crowded += 1
    return (
        f"n={len(missed)} below_near_text={low} too_few_uncommon_fingerprints={few} "
        f"other={crowded} (shared fingerprints median {statistics.median(all_shared):.0f}, "
        f"of them not common {statistics.median(kept_shared):.0f})"
    )


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
